import { useState } from 'react'
import { Button } from './button.tsx'
import { useToast } from './toast.tsx'

/** Copies `text` to the clipboard; `label` names what is copied for screen readers. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const notify = useToast()
  const [copied, setCopied] = useState(false)
  return (
    <Button
      size="small"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text)
          setCopied(true)
          notify('Copied to the clipboard')
          window.setTimeout(() => setCopied(false), 2000)
        } catch {
          notify('Could not copy: select the text and copy it by hand.', 'error')
        }
      }}
    >
      {copied ? 'Copied' : label}
    </Button>
  )
}
