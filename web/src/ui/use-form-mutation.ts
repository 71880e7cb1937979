/**
 * A form that sends one mutation: the client's checks and the server's errors whose `param`
 * names one of the form's fields land beside that field, anything else above the buttons
 * (`formError`); `reset` clears both, e.g. when the dialog closes.
 *
 * @module
 */
import { useMutation } from '@tanstack/react-query'
import { useState } from 'react'
import { type FieldErrors, splitServerError } from './form-errors.ts'

/** A mutation as the feature queries build it: the call, and what it refreshes afterwards. */
export interface FormMutationOptions<Data, Variables> {
  mutationFn: (variables: Variables) => Promise<Data>
  onSuccess: () => void
}

/** A form checked in the browser: the body to send, or the errors to show beside its fields. */
export type CheckedForm<Body> = { body: Body } | { errors: FieldErrors }

export function useFormMutation<Data, Variables>(
  options: FormMutationOptions<Data, Variables>,
  fields: readonly string[],
  onDone: (data: Data, variables: Variables) => void,
) {
  const [errors, setErrors] = useState<FieldErrors>({})
  const mutation = useMutation({
    mutationFn: options.mutationFn,
    onSuccess: (data: Data, variables: Variables) => {
      options.onSuccess()
      setErrors({})
      onDone(data, variables)
    },
    onError: (error) => setErrors(splitServerError(error, fields).fields),
  })
  return {
    mutation,
    errors,
    formError: mutation.error ? splitServerError(mutation.error, fields).form : null,
    /** Sends the checked form's body (as `toVariables(body)`), or shows its errors. */
    send<Body>(checked: CheckedForm<Body>, toVariables: (body: Body) => Variables): void {
      if ('errors' in checked) {
        setErrors(checked.errors)
        return
      }
      setErrors({})
      mutation.mutate(toVariables(checked.body))
    },
    reset(): void {
      mutation.reset()
      setErrors({})
    },
  }
}
