import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link } from '@tanstack/react-router'
import type { FormEvent } from 'react'
import { formatDateTime } from '../../format/dates.ts'
import { useCan } from '../../session/use-session.ts'
import { Button } from '../../ui/button.tsx'
import { CopyButton } from '../../ui/copy-button.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Checkbox, SelectField } from '../../ui/field.tsx'
import { PageHeader } from '../../ui/page-header.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { useToast } from '../../ui/toast.tsx'
import {
  changedSettings,
  settingsQuery,
  updateSettingsMutation,
  type WorkspaceSettings,
} from './settings-queries.ts'

export function SettingsPage() {
  const settings = useQuery(settingsQuery())
  const canUpdate = useCan('workspace.update')
  const canMembers = useCan('members.read')
  const canAudit = useCan('audit.read')
  const canAlerts = useCan('alerts.read')
  return (
    <>
      <PageHeader title="Settings" />
      {settings.error ? (
        <ErrorMessage error={settings.error} onRetry={() => void settings.refetch()} />
      ) : settings.isPending ? (
        <Skeleton lines={5} />
      ) : (
        <SettingsView settings={settings.data} canUpdate={canUpdate} />
      )}
      {canMembers || canAudit || canAlerts ? (
        <section className="section" aria-labelledby="more-heading">
          <h2 id="more-heading">More</h2>
          <ul>
            {canAlerts ? (
              <li>
                <Link to="/alerts">Budgets and alerts</Link>: the monthly spend limit, alert thresholds and
                webhooks
              </li>
            ) : null}
            {canMembers ? (
              <li>
                <Link to="/members">Members and invitations</Link>
              </li>
            ) : null}
            {canAudit ? (
              <li>
                <Link to="/audit">Audit log</Link>
              </li>
            ) : null}
          </ul>
        </section>
      ) : null}
    </>
  )
}

function SettingsView({ settings, canUpdate }: { settings: WorkspaceSettings; canUpdate: boolean }) {
  const queryClient = useQueryClient()
  const notify = useToast()
  const update = useMutation({
    ...updateSettingsMutation(queryClient),
    onSuccess: (saved) => {
      updateSettingsMutation(queryClient).onSuccess(saved)
      notify('Settings saved')
    },
  })
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const patch = changedSettings(settings, {
      default_lane: data.get('default_lane') === 'resale' ? 'resale' : 'cheap',
      deny_data_collection: data.get('deny_data_collection') === 'on',
      prompt_cache: data.get('prompt_cache') === 'on',
    })
    if (Object.keys(patch).length === 0) {
      notify('Nothing changed')
      return
    }
    update.mutate(patch)
  }
  return (
    <>
      <section className="section" aria-labelledby="workspace-heading">
        <h2 id="workspace-heading">Workspace</h2>
        <dl className="details-list">
          <div>
            <dt>Name</dt>
            <dd>{settings.name}</dd>
          </div>
          <div>
            <dt>Workspace ID</dt>
            <dd>
              <code>{settings.id}</code> <CopyButton text={settings.id} label="Copy ID" />
            </dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{formatDateTime(settings.created_at)}</dd>
          </div>
        </dl>
      </section>
      <section className="section" aria-labelledby="routing-heading">
        <h2 id="routing-heading">Routing and privacy</h2>
        <form className="stack" onSubmit={submit} key={JSON.stringify(settings)}>
          <fieldset className="fieldset" disabled={!canUpdate || update.isPending}>
            <legend className="visually-hidden">Workspace settings</legend>
            <SelectField
              label="Default lane"
              name="default_lane"
              defaultValue={settings.default_lane}
              hint="Used for model IDs without a lane prefix."
              options={[
                { value: 'cheap', label: 'cheap' },
                { value: 'resale', label: 'resale' },
              ]}
            />
            <Checkbox
              name="deny_data_collection"
              label="Deny data collection"
              defaultChecked={settings.deny_data_collection}
              hint="Only route to providers that do not keep or train on prompts."
            />
            <Checkbox
              name="prompt_cache"
              label="Prompt caching"
              defaultChecked={settings.prompt_cache}
              hint="Allow providers to cache repeated prompt prefixes (cheaper cached tokens)."
            />
          </fieldset>
          {update.error ? <ErrorMessage error={update.error} /> : null}
          {canUpdate ? (
            <Button type="submit" variant="primary" pending={update.isPending}>
              Save settings
            </Button>
          ) : (
            <p className="muted small">Only owners and admins can change these settings.</p>
          )}
        </form>
      </section>
    </>
  )
}
