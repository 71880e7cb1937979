import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { bootData } from '../../api/boot-data.ts'
import { useCan } from '../../session/use-session.ts'
import { Button } from '../../ui/button.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { TextField } from '../../ui/field.tsx'
import { splitServerError } from '../../ui/form-errors.ts'
import { Money } from '../../ui/money.tsx'
import { PageHeader } from '../../ui/page-header.tsx'
import { useToast } from '../../ui/toast.tsx'
import { CODE_PATTERN, creditsQuery, ledgerQuery, normaliseCode, redeemMutation } from './credits-queries.ts'
import { BalanceView, LedgerView } from './credits-view.tsx'

export function CreditsPage() {
  const canRedeem = useCan('credits.redeem')
  const canLedger = useCan('ledger.read')
  const credits = useQuery(creditsQuery())
  const ledger = useInfiniteQuery({ ...ledgerQuery(), enabled: canLedger })
  const boot = bootData()
  return (
    <>
      <PageHeader title="Credits" />
      <BalanceView
        data={credits.data}
        isPending={credits.isPending}
        error={credits.error}
        onRetry={() => void credits.refetch()}
      />
      {canRedeem ? <RedeemForm /> : null}
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
