import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from 'react'

interface Toast {
  id: number
  message: string
  tone: 'info' | 'error'
}

type Notify = (message: string, tone?: Toast['tone']) => void

const ToastContext = createContext<Notify>(() => {})

/** Short confirmations ("Key revoked") in a polite live region. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([])
  const next = useRef(1)
  const notify = useCallback<Notify>((message, tone = 'info') => {
    const id = next.current++
    setToasts((current) => [...current.slice(-3), { id, message, tone }])
    window.setTimeout(() => setToasts((current) => current.filter((toast) => toast.id !== id)), 6000)
  }, [])
  const value = useMemo(() => notify, [notify])
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toast-region" aria-live="polite" aria-atomic="false">
        {toasts.map((toast) => (
          <div key={toast.id} className={`toast toast-${toast.tone}`}>
            {toast.message}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  )
}

export function useToast(): Notify {
  return useContext(ToastContext)
}
