// What the forms that make something share: the mutation with the form's submit that runs it, and the name and
// description every new folder or dataset is given.
import { useMutation, type UseMutationOptions } from "@tanstack/react-query";
import type { FormEvent } from "react";

/** A mutation, and a form's submit handler that runs it (the page is not reloaded). */
export function useFormMutation<T>(options: UseMutationOptions<T, Error, void>) {
  const mutation = useMutation(options);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate();
  };
  return [mutation, submit] as const;
}

/** A required name (`label`: "Name", "Title") and a free description. */
export function NameFields({
  label,
  name,
  onName,
  description,
  onDescription,
  rows = 2,
}: {
  label: string;
  name: string;
  onName: (name: string) => void;
  description: string;
  onDescription: (description: string) => void;
  rows?: number;
}) {
  return (
    <>
      <label>
        {label}
        <input required value={name} onChange={(e) => onName(e.target.value)} />
      </label>
      <label>
        Description
        <textarea rows={rows} value={description} onChange={(e) => onDescription(e.target.value)} />
      </label>
    </>
  );
}
