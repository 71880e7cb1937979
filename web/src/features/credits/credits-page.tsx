import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useNavigate, useSearch } from '@tanstack/react-router'
import { type FormEvent, useEffect, useState } from 'react'
import { bootData } from '../../api/boot-data.ts'
import { useCan } from '../../session/use-session.ts'
import { Button } from '../../ui/button.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { TextField } from '../../ui/field.tsx'
import { splitServerError } from '../../ui/form-errors.ts'
import { Money } from '../../ui/money.tsx'
import { PageHeader } from '../../ui/page-header.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { useToast } from '../../ui/toast.tsx'
import { AutoTopUpSection } from './auto-top-up-section.tsx'
import { BuyCreditsForm, CheckoutReturnNotice } from './credits-buy.tsx'
import { hasCheckoutParams, readCheckoutReturn } from './credits-checkout.ts'
import {
  CODE_PATTERN,
  checkoutPreviewQuery,
  creditsQuery,
  ledgerQuery,
  normaliseCode,
  purchasesQuery,
  redeemMutation,
} from './credits-queries.ts'
import { BalanceView, LedgerView, ReceiptsView } from './credits-view.tsx'

export function CreditsPage() {
  const canRedeem = useCan('credits.redeem')
  const canLedger = useCan('ledger.read')
  const credits = useQuery(creditsQuery())
  const ledger = useInfiniteQuery({ ...ledgerQuery(), enabled: canLedger })
  const purchases = useInfiniteQuery({ ...purchasesQuery(), enabled: canLedger })
  const returned = useCheckoutReturn()
  return (
    <>
      <PageHeader title="Credits" />
      {returned ? <CheckoutReturnNotice returned={returned} canList={canLedger} /> : null}
      <BalanceView
        data={credits.data}
        isPending={credits.isPending}
        error={credits.error}
        onRetry={() => void credits.refetch()}
      />
      {canRedeem ? <RedeemForm /> : null}
      <BuySection canRedeem={canRedeem} />
      {canLedger ? (
        <section className="section" aria-labelledby="receipts-heading">
          <h2 id="receipts-heading">Receipts</h2>
          <ReceiptsView
            purchases={purchases.data?.pages.flatMap((page) => page.data)}
            isPending={purchases.isPending}
            error={purchases.error}
            onRetry={() => void purchases.refetch()}
            hasMore={purchases.hasNextPage}
            loadingMore={purchases.isFetchingNextPage}
            onOlder={() => void purchases.fetchNextPage()}
          />
        </section>
      ) : null}
      {canLedger ? (
        <section className="section" aria-labelledby="ledger-heading">
          <h2 id="ledger-heading">History</h2>
          <LedgerView
            entries={ledger.data?.pages.flatMap((page) => page.data)}
            isPending={ledger.isPending}
            error={ledger.error}
            onRetry={() => void ledger.refetch()}
            hasMore={ledger.hasNextPage}
            loadingMore={ledger.isFetchingNextPage}
            onOlder={() => void ledger.fetchNextPage()}
          />
        </section>
      ) : null}
    </>
  )
}

/**
 * Stripe's return (`?checkout=success&purchase=pur_…` or `?checkout=cancelled`), read once on
 * arrival; the parameters are then cleared so a reload or a shared link does not repeat it.
 */
function useCheckoutReturn() {
  const search: unknown = useSearch({ strict: false })
  const navigate = useNavigate()
  const [returned] = useState(() => readCheckoutReturn(search))
  const clear = hasCheckoutParams(search)
  useEffect(() => {
    if (clear) void navigate({ to: '/credits', search: {}, replace: true })
  }, [clear, navigate])
  return returned
}

/** "Buy credits" when card payments are on and the role may buy; otherwise how to get credits. */
function BuySection({ canRedeem }: { canRedeem: boolean }) {
  const canBuy = useCan('credits.buy')
  const limits = useQuery(checkoutPreviewQuery(null))
  if (limits.error) {
    return (
      <section className="section" aria-labelledby="buy-heading">
        <h2 id="buy-heading">Buy credits</h2>
        <ErrorMessage error={limits.error} onRetry={() => void limits.refetch()} />
      </section>
    )
  }
  if (limits.isPending) {
    return (
      <section className="section" aria-labelledby="buy-heading">
        <h2 id="buy-heading">Buy credits</h2>
        <Skeleton lines={2} />
      </section>
    )
  }
  if (!limits.data.enabled) return <NoCardPayments canRedeem={canRedeem} />
  return (
    <>
      <section className="section" aria-labelledby="buy-heading">
        <h2 id="buy-heading">Buy credits</h2>
        {canBuy ? (
          <BuyCreditsForm limits={limits.data} />
        ) : (
          <p>Only workspace owners, admins and billing members can buy credits with a card.</p>
        )}
      </section>
      <AutoTopUpSection limits={limits.data} canBuy={canBuy} />
    </>
  )
}

function NoCardPayments({ canRedeem }: { canRedeem: boolean }) {
  const boot = bootData()
  return (
    <section className="section" aria-labelledby="buying-heading">
      <h2 id="buying-heading">Buying credits</h2>
      <p>Card payments are not enabled on this deployment yet.</p>
      <p>
        To add credits, {canRedeem ? 'redeem a credit code above, or ' : ''}contact{' '}
        {boot.support_email ? (
          <a href={`mailto:${boot.support_email}`}>{boot.support_email}</a>
        ) : (
          'the operator of this deployment'
        )}
        .
      </p>
    </section>
  )
}

function RedeemForm() {
  const queryClient = useQueryClient()
  const notify = useToast()
  const [error, setError] = useState<string>()
  const redeem = useMutation({
    ...redeemMutation(queryClient),
    onSuccess: (answer, _code) => {
      redeemMutation(queryClient).onSuccess()
      setError(undefined)
      notify(answer.replayed ? 'This code was already added to this workspace.' : 'Credits added.')
    },
    onError: (failure) => setError(splitServerError(failure, ['code']).fields.code),
  })
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = event.currentTarget
    const code = normaliseCode(String(new FormData(form).get('code') ?? ''))
    if (!CODE_PATTERN.test(code)) {
      setError('Enter a code like OKC-XXXX-XXXX-XXXX-XXXX.')
      return
    }
    setError(undefined)
    redeem.mutate(code, { onSuccess: () => form.reset() })
  }
  const formError = redeem.error ? splitServerError(redeem.error, ['code']).form : null
  return (
    <section className="section" aria-labelledby="redeem-heading">
      <h2 id="redeem-heading">Redeem credits</h2>
      <form className="inline-form" onSubmit={submit} noValidate>
        <TextField
          label="Code"
          name="code"
          autoComplete="off"
          spellCheck={false}
          placeholder="OKC-XXXX-XXXX-XXXX-XXXX"
          className="mono"
          error={error}
        />
        <Button type="submit" variant="primary" pending={redeem.isPending}>
          Redeem
        </Button>
      </form>
      {formError ? <ErrorMessage error={formError} /> : null}
      {redeem.data ? (
        <p className="alert alert-ok" role="status">
          Added <Money amount={redeem.data.entry.amount} />. New balance:{' '}
          <Money amount={redeem.data.balance} />.
        </p>
      ) : null}
    </section>
  )
}
