import { type ReactNode, useEffect, useId, useRef } from 'react'
import { Button } from './button.tsx'
import { ErrorMessage } from './error-message.tsx'

interface DialogProps {
  open: boolean
  title: ReactNode
  onClose: () => void
  children: ReactNode
  /** Buttons at the bottom; a Close button is added when absent. */
  footer?: ReactNode
  /** When the dialog must not close on Escape (e.g. while a request runs). */
  locked?: boolean
}

/** A modal on the native <dialog>: focus trap, Escape and the top layer come from the browser. */
export function Dialog({ open, title, onClose, children, footer, locked = false }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  useEffect(() => {
    const dialog = ref.current
    if (dialog === null) return
    if (open && !dialog.open) dialog.showModal()
    if (!open && dialog.open) dialog.close()
  }, [open])
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault()
        if (!locked) onClose()
      }}
      onClose={() => {
        if (open) onClose()
      }}
    >
      {open ? (
        <>
          <h2 id={titleId} className="dialog-title">
            {title}
          </h2>
          <div className="dialog-body">{children}</div>
          <div className="dialog-footer">
            {footer ?? (
              <Button onClick={onClose} disabled={locked}>
                Close
              </Button>
            )}
          </div>
        </>
      ) : null}
    </dialog>
  )
}

interface ConfirmDialogProps {
  open: boolean
  title: ReactNode
  children: ReactNode
  confirmLabel: string
  onConfirm: () => void
  onClose: () => void
  pending?: boolean
  error?: unknown
  danger?: boolean
}

export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  onConfirm,
  onClose,
  pending = false,
  error,
  danger = true,
}: ConfirmDialogProps) {
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onClose}
      locked={pending}
      footer={
        <>
          <Button onClick={onClose} disabled={pending}>
            Cancel
          </Button>
          <Button variant={danger ? 'danger' : 'primary'} onClick={onConfirm} pending={pending}>
            {confirmLabel}
          </Button>
        </>
      }
    >
      {children}
      {error ? <ErrorMessage error={error} /> : null}
    </Dialog>
  )
}

interface FormDialogFooterProps {
  /** The form the submit button sends (its `id`). */
  formId: string
  submitLabel: ReactNode
  onCancel: () => void
  pending: boolean
}

/** A form dialog's buttons: Cancel, and the submit button of the form inside the dialog. */
export function FormDialogFooter({ formId, submitLabel, onCancel, pending }: FormDialogFooterProps) {
  return (
    <>
      <Button onClick={onCancel} disabled={pending}>
        Cancel
      </Button>
      <Button type="submit" form={formId} variant="primary" pending={pending}>
        {submitLabel}
      </Button>
    </>
  )
}
