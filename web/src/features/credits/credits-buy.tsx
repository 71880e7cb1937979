import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react'
import { formatUsd, isZero } from '../../format/money.ts'
import { Button } from '../../ui/button.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Checkbox, TextField } from '../../ui/field.tsx'
import { splitServerError } from '../../ui/form-errors.ts'
import { Money } from '../../ui/money.tsx'
import { useToast } from '../../ui/toast.tsx'
import {
  type CheckoutReturn,
  POLL_EVERY_MS,
  POLL_FOR_MS,
  parseAmount,
  type WaitOutcome,
  waitOutcome,
} from './credits-checkout.ts'
import {
  type CheckoutPreview,
  checkoutMutation,
  checkoutPreviewQuery,
  creditsKeys,
  creditsQuery,
  purchasesQuery,
} from './credits-queries.ts'

/** `value`, once it has stayed the same for `delay` ms. */
function useDebounced<T>(value: T, delay: number): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), delay)
    return () => window.clearTimeout(timer)
  }, [value, delay])
  return settled
}

/**
 * "Buy credits": an amount, the API's fee and total for it, and "Pay with card", which leaves for
 * Stripe's hosted checkout page. Every figure shown comes from the API.
 */
export function BuyCreditsForm({ limits }: { limits: CheckoutPreview }) {
  const [text, setText] = useState('')
  const [saveCard, setSaveCard] = useState(false)
  const [leaving, setLeaving] = useState(false)
  const input = parseAmount(text)
  const wanted = input.kind === 'ok' ? input.amount : null
  const settled = useDebounced(wanted, 300)
  const preview = useQuery({ ...checkoutPreviewQuery(settled), enabled: settled !== null })
  const checkout = useMutation({
    ...checkoutMutation(),
    onSuccess: (answer) => {
      setLeaving(true)
      // Stripe's hosted page is another site: the one place a full navigation is right.
      window.location.assign(answer.url)
    },
  })

  // Back from Stripe with the browser's Back button, the page may come out of the back-forward
  // cache still "leaving": let the button work again.
  useEffect(() => {
    const onShow = (event: PageTransitionEvent) => {
      if (event.persisted) setLeaving(false)
    }
    window.addEventListener('pageshow', onShow)
    return () => window.removeEventListener('pageshow', onShow)
  }, [])

  const settling = wanted !== settled
  const previewError = settled !== null && !settling ? preview.error : null
  const previewSplit = previewError ? splitServerError(previewError, ['amount']) : null
  const checkoutSplit = checkout.error ? splitServerError(checkout.error, ['amount', 'save_card']) : null
  const fieldError =
    input.kind === 'invalid'
      ? input.message
      : (checkoutSplit?.fields.amount ?? (settling ? undefined : previewSplit?.fields.amount))
  const quote = !settling && settled !== null && preview.data?.amount != null ? preview.data : undefined
  const ready = wanted !== null && quote?.total != null && !preview.isFetching && fieldError === undefined

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (!ready || wanted === null || checkout.isPending || leaving) return
    checkout.mutate({ amount: wanted, saveCard })
  }

  return (
    <form className="stack" onSubmit={submit} noValidate>
      <TextField
        label="Amount (USD)"
        name="amount"
        inputMode="decimal"
        autoComplete="off"
        spellCheck={false}
        placeholder="20.00"
        value={text}
        onChange={(event) => {
          setText(event.currentTarget.value)
          if (checkout.error) checkout.reset()
        }}
        hint={
          <>
            Between <Money amount={limits.minimum} precision="cost" /> and{' '}
            <Money amount={limits.maximum} precision="cost" />.{' '}
            {isZero(limits.fee_fixed) && isZero(limits.fee_percent) ? (
              'No purchase fee.'
            ) : (
              <>
                Card payments carry a purchase fee of <Money amount={limits.fee_fixed} precision="cost" />{' '}
                plus {limits.fee_percent}%.
              </>
            )}
          </>
        }
        error={fieldError}
      />
      <QuoteLine
        quote={quote}
        loading={wanted !== null && fieldError === undefined && (settling || preview.isFetching)}
      />
      <Checkbox
        name="save_card"
        label="Save this card for auto top-up"
        checked={saveCard}
        onChange={(event) => {
          setSaveCard(event.currentTarget.checked)
          if (checkout.error) checkout.reset()
        }}
        hint="Stripe keeps the card; we keep only its brand and last four digits. Pay by card to save it."
        error={checkoutSplit?.fields.save_card}
      />
      {previewSplit?.form ? (
        <ErrorMessage error={previewSplit.form} onRetry={() => void preview.refetch()} />
      ) : null}
      {checkoutSplit?.form ? <ErrorMessage error={checkoutSplit.form} /> : null}
      <Button type="submit" variant="primary" disabled={!ready} pending={checkout.isPending || leaving}>
        Pay with card
      </Button>
      <p className="muted small">
        You will pay on Stripe's secure checkout page and come back here afterwards.
      </p>
    </form>
  )
}

function QuoteLine({ quote, loading }: { quote: CheckoutPreview | undefined; loading: boolean }) {
  let content: ReactNode = null
  if (loading) content = <p className="muted">Working out the total…</p>
  else if (quote?.amount != null && quote.fee !== null && quote.total !== null) {
    content = (
      <p>
        Credits <Money amount={quote.amount} precision="cost" /> · Purchase fee{' '}
        <Money amount={quote.fee} precision="cost" /> ·{' '}
        <strong>
          Total <Money amount={quote.total} precision="cost" />
        </strong>
      </p>
    )
  }
  // The live region stays in place so screen readers hear each new total.
  return <div role="status">{content}</div>
}

type Phase = WaitOutcome | 'slow'

/**
 * The notice after Stripe sends the buyer back. On success, credits arrive by webhook, possibly a
 * few seconds later: the balance and the purchases are polled every 2 s, for up to 60 s, until the
 * purchase is paid.
 */
export function CheckoutReturnNotice({ returned, canList }: { returned: CheckoutReturn; canList: boolean }) {
  if (returned.kind === 'cancelled') {
    return (
      <div className="alert alert-warning" role="status">
        <p>Checkout cancelled. Nothing was charged.</p>
      </div>
    )
  }
  return <PaymentWait purchaseId={returned.purchaseId} canList={canList} />
}

function PaymentWait({ purchaseId, canList }: { purchaseId: string | null; canList: boolean }) {
  const queryClient = useQueryClient()
  const notify = useToast()
  const [phase, setPhase] = useState<Phase>('waiting')
  const announced = useRef(false)
  const polling = phase === 'waiting' && purchaseId !== null && canList
  const interval = polling ? POLL_EVERY_MS : false
  useQuery({ ...creditsQuery(), refetchInterval: interval })
  const purchases = useInfiniteQuery({ ...purchasesQuery(), enabled: canList, refetchInterval: interval })
  const purchase = purchases.data?.pages
    .flatMap((page) => page.data)
    .find((candidate) => candidate.id === purchaseId)

  useEffect(() => {
    if (!polling) return
    const timer = window.setTimeout(
      () => setPhase((current) => (current === 'waiting' ? 'slow' : current)),
      POLL_FOR_MS,
    )
    return () => window.clearTimeout(timer)
  }, [polling])

  useEffect(() => {
    if (purchase === undefined || announced.current) return
    const outcome = waitOutcome(purchase.status)
    if (outcome === 'waiting') return
    announced.current = true
    setPhase(outcome)
    if (outcome === 'paid') {
      notify(`Payment confirmed: ${formatUsd(purchase.amount)} in credits added.`)
      void queryClient.invalidateQueries({ queryKey: creditsKeys.all })
      void queryClient.invalidateQueries({ queryKey: ['overview'] })
      // A card saved for auto top-up is stored just after the credit: read it again shortly.
      window.setTimeout(
        () => void queryClient.invalidateQueries({ queryKey: creditsKeys.autoTopUp() }),
        POLL_EVERY_MS,
      )
    }
  }, [purchase, notify, queryClient])

  if (phase === 'paid') {
    return (
      <div className="alert alert-ok" role="status">
        <p>Payment confirmed. The credits are in your balance.</p>
      </div>
    )
  }
  if (phase === 'failed') {
    return (
      <div className="alert alert-error" role="status">
        <p>The payment did not go through, so no credits were added. You can try again below.</p>
      </div>
    )
  }
  return (
    <div className="alert alert-ok" role="status">
      <p>Payment received — credits appear as soon as Stripe confirms it.</p>
      {phase === 'slow' || purchaseId === null || !canList ? (
        <p className="small">
          Stripe has not confirmed the payment yet. The credits are added once it does: reload this page in a
          minute to see them.
        </p>
      ) : null}
    </div>
  )
}
