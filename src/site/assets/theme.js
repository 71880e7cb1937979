// Applies the remembered colour theme before first paint (an external file: the CSP forbids inline scripts).
try {
  const theme = localStorage.getItem('onekey-theme')
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme
} catch {}
