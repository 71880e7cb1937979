import { formatCount } from '../../format/numbers.ts'
import { Button } from '../../ui/button.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Money } from '../../ui/money.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import type { LaneQuote, QuoteAnswer, QuotePrice } from './playground-queries.ts'

/** A compare waiting for confirmation: the prompt, and both lanes' quotes once they arrive. */
export interface PendingCompare {
  prompt: string
  cheap: string
  resale: string
  quote: QuoteAnswer | null
  error: unknown
}

interface QuotePanelProps {
  pending: PendingCompare
  onConfirm: () => void
  onCancel: () => void
}

/** Both lanes' prices and holds for the prompt, then "Send to both lanes". */
export function QuotePanel({ pending, onConfirm, onCancel }: QuotePanelProps) {
  const lanes =
    pending.quote === null
      ? undefined
      : [pending.cheap, pending.resale].map((id) => pending.quote!.lanes.find((lane) => lane.model === id))
  const ready = lanes?.every((lane) => lane?.available === true) === true
  return (
    <section className="section playground-quote" aria-labelledby="playground-quote-title">
      <h2 id="playground-quote-title">Compare lanes: the quote first</h2>
      <p className="muted small">
        The same prompt goes to both lanes, each billed to this workspace. The hold is the most it can cost:
        the prompt as estimated and the whole output allowance.
      </p>
      {pending.error !== null ? <ErrorMessage error={pending.error} /> : null}
      {pending.quote === null && pending.error === null ? <Skeleton lines={4} /> : null}
      {lanes !== undefined && pending.quote !== null ? (
        <>
          <p className="small">
            About {formatCount(pending.quote.estimated_prompt_tokens)} prompt tokens;{' '}
            {pending.quote.max_output_tokens === null
              ? 'no output allowance could be set'
              : `up to ${formatCount(pending.quote.max_output_tokens)} output tokens`}
            .
          </p>
          <div className="playground-columns">
            {lanes.map((lane, index) => (
              <LaneQuoteCard
                key={index === 0 ? 'cheap' : 'resale'}
                id={index === 0 ? pending.cheap : pending.resale}
                lane={lane}
              />
            ))}
          </div>
        </>
      ) : null}
      <div className="button-row">
        <Button variant="primary" onClick={onConfirm} disabled={!ready}>
          Send to both lanes
        </Button>
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </section>
  )
}

function LaneQuoteCard({ id, lane }: { id: string; lane: LaneQuote | undefined }) {
  const price = lane?.offer?.price
  return (
    <div className="playground-quote-card">
      <h3 className="mono">{id}</h3>
      {lane === undefined ? (
        <p>Not in the quote.</p>
      ) : (
        <dl className="playground-facts playground-facts-stacked">
          <div>
            <dt>Available</dt>
            <dd>{lane.available ? 'Yes' : `No: ${lane.reason ?? 'unavailable'}`}</dd>
          </div>
          <div>
            <dt>Provider</dt>
            <dd>{lane.offer?.provider ?? '–'}</dd>
          </div>
          <div>
            <dt>Price per 1M tokens (in / out)</dt>
            <dd>
              {price === undefined ? (
                '–'
              ) : typeof price === 'string' ? (
                price
              ) : (
                <>
                  <Money amount={price.prompt} precision="cost" /> /{' '}
                  <Money amount={price.completion} precision="cost" />
                </>
              )}
            </dd>
          </div>
          <div>
            <dt>Estimated input</dt>
            <dd>{costOrQuote(lane.estimated_input_cost, price)}</dd>
          </div>
          <div>
            <dt>Hold (most it can cost)</dt>
            <dd>{costOrQuote(lane.max_total_cost, price)}</dd>
          </div>
        </dl>
      )}
    </div>
  )
}

/** A cost of the quote; an unpublished price is never a number. */
function costOrQuote(amount: string | null, price: QuotePrice | undefined) {
  if (amount !== null) return <Money amount={amount} precision="cost" />
  return price === 'quote on request' || price === undefined
    ? 'quote on request'
    : 'set a max output to see it'
}
