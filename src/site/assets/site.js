// The public site's islands: theme toggle, copy buttons on code blocks, tabs, and the models filter.
// Server HTML works without this file; it only upgrades it. Keep it small (the budget is 10 KB).
const THEMES = ['system', 'light', 'dark']
const ICONS = { system: '\u25D0', light: '\u2600', dark: '\u263E' }

class ThemeToggle extends HTMLElement {
  connectedCallback() {
    const button = this.querySelector('button')
    if (!button) return
    button.hidden = false
    const show = () => {
      const theme = document.documentElement.dataset.theme || 'system'
      button.setAttribute('aria-label', `Colour theme: ${theme}`)
      button.title = `Colour theme: ${theme} (click to change)`
      button.querySelector('.theme-icon').textContent = ICONS[theme]
    }
    button.addEventListener('click', () => {
      const current = document.documentElement.dataset.theme || 'system'
      const next = THEMES[(THEMES.indexOf(current) + 1) % THEMES.length]
      try {
        if (next === 'system') localStorage.removeItem('onekey-theme')
        else localStorage.setItem('onekey-theme', next)
      } catch {}
      if (next === 'system') delete document.documentElement.dataset.theme
      else document.documentElement.dataset.theme = next
      show()
    })
    show()
  }
}
customElements.define('theme-toggle', ThemeToggle)

function addCopyButtons(root) {
  for (const pre of root.querySelectorAll('pre > code')) {
    const block = pre.parentElement
    if (block.dataset.copy === 'done') continue
    block.dataset.copy = 'done'
    // A scrolling block must be reachable by keyboard.
    if (!block.hasAttribute('tabindex')) block.tabIndex = 0
    const button = document.createElement('button')
    button.type = 'button'
    button.className = 'copy-button'
    button.textContent = 'Copy'
    button.setAttribute('aria-label', 'Copy code')
    const status = document.createElement('span')
    status.className = 'visually-hidden'
    status.setAttribute('role', 'status')
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(pre.textContent)
        button.textContent = 'Copied'
        status.textContent = 'Copied to the clipboard'
      } catch {
        button.textContent = 'Select and copy'
      }
      setTimeout(() => {
        button.textContent = 'Copy'
        status.textContent = ''
      }, 2000)
    })
    const wrapper = document.createElement('div')
    wrapper.className = 'copy-wrap'
    block.replaceWith(wrapper)
    wrapper.append(block, button, status)
  }
}

let tabsCount = 0
function upgradeTabs(root) {
  for (const tabs of root.querySelectorAll('[data-tabs]')) {
    if (tabs.dataset.upgraded) continue
    tabs.dataset.upgraded = 'true'
    const panels = [...tabs.children].filter((child) => child.hasAttribute('data-tab-label'))
    if (panels.length === 0) continue
    const id = `tabs-${++tabsCount}`
    const list = document.createElement('div')
    list.setAttribute('role', 'tablist')
    list.className = 'tab-list'
    if (tabs.dataset.tabsLabel) list.setAttribute('aria-label', tabs.dataset.tabsLabel)
    const buttons = panels.map((panel, index) => {
      const button = document.createElement('button')
      button.type = 'button'
      button.setAttribute('role', 'tab')
      button.id = `${id}-tab-${index}`
      button.textContent = panel.dataset.tabLabel
      panel.id ||= `${id}-panel-${index}`
      panel.setAttribute('role', 'tabpanel')
      panel.setAttribute('aria-labelledby', button.id)
      panel.tabIndex = 0
      button.setAttribute('aria-controls', panel.id)
      for (const heading of panel.querySelectorAll(':scope > .tab-heading')) heading.hidden = true
      list.append(button)
      return button
    })
    const select = (index, focus) => {
      buttons.forEach((button, other) => {
        const selected = other === index
        button.setAttribute('aria-selected', String(selected))
        button.tabIndex = selected ? 0 : -1
        panels[other].hidden = !selected
      })
      if (focus) buttons[index].focus()
    }
    list.addEventListener('click', (event) => {
      const index = buttons.indexOf(event.target.closest('[role=tab]'))
      if (index >= 0) select(index, false)
    })
    list.addEventListener('keydown', (event) => {
      const current = buttons.indexOf(document.activeElement)
      if (current < 0) return
      const last = buttons.length - 1
      const next = {
        ArrowRight: current === last ? 0 : current + 1,
        ArrowLeft: current === 0 ? last : current - 1,
        Home: 0,
        End: last,
      }[event.key]
      if (next === undefined) return
      event.preventDefault()
      select(next, true)
    })
    tabs.prepend(list)
    select(0, false)
  }
}

// The models filter: the same GET form works without JS; with JS rows filter as you type.
class ModelsFilter extends HTMLElement {
  connectedCallback() {
    const form = this.querySelector('form')
    const rows = [...document.querySelectorAll('[data-model-row]')]
    const count = document.querySelector('[data-model-count]')
    if (!form || rows.length === 0) return
    const apply = () => {
      const data = new FormData(form)
      const query = String(data.get('q') || '')
        .trim()
        .toLowerCase()
      const lane = String(data.get('lane') || '')
      const provider = String(data.get('provider') || '')
      const modality = String(data.get('modality') || '')
      const maxText = String(data.get('max_price') || '').trim()
      const max = maxText === '' ? null : Number(maxText)
      let shown = 0
      for (const row of rows) {
        const d = row.dataset
        const lanes = d.lanes.split(' ')
        const cheapest = lane ? d[`price${lane[0].toUpperCase()}${lane.slice(1)}`] : d.priceMin
        const ok =
          (!query || d.search.includes(query)) &&
          (!lane || lanes.includes(lane)) &&
          (!provider || d.providers.split(' ').includes(provider)) &&
          (!modality || d.modalities.split(' ').includes(modality)) &&
          (max === null ||
            Number.isNaN(max) ||
            (cheapest !== undefined && cheapest !== '' && Number(cheapest) <= max))
        row.hidden = !ok
        if (ok) shown++
      }
      if (count) count.textContent = `${shown} ${shown === 1 ? 'model' : 'models'}`
      const params = new URLSearchParams()
      for (const [name, value] of data) if (value) params.set(name, String(value))
      const search = params.toString()
      history.replaceState(null, '', search ? `?${search}` : location.pathname)
    }
    form.addEventListener('input', apply)
    form.addEventListener('change', apply)
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      apply()
    })
  }
}
customElements.define('models-filter', ModelsFilter)

addCopyButtons(document)
upgradeTabs(document)
