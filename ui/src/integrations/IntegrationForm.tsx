// Add or edit an integration: one form whose fields follow the kind. The API's located problems are shown next to
// the fields they name; nothing typed is lost on an error or when the kind changes. Secrets are write-only: an edit
// shows which credentials are set, never their values, and keeps them when the secret fields are left blank.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useMemo, useState, type FormEvent } from "react";
import { ApiError, api, unwrap, type Schemas } from "../api/client";
import { Dialog, DialogFooter } from "../components/Dialog";
import { createBody, FIELDS, formKeys, KINDS, place, updateBody, valuesOf, type Field, type Kind, type Values } from "./fields";

export type Integration = Schemas["IntegrationPublic"];

export function IntegrationForm({ editing, onClose }: { editing?: Integration; onClose: () => void }) {
  const queries = useQueryClient();
  const formId = useId();
  const [kind, setKind] = useState<Kind>((editing?.provider as Kind | undefined) ?? "s3");
  const [name, setName] = useState(editing?.name ?? "");
  const [shared, setShared] = useState(editing?.shared ?? false);
  const [values, setValues] = useState<Values>(() => (editing ? valuesOf(editing.config) : {}));
  const [forget, setForget] = useState(false);
  const setCredentials = useMemo(() => new Set((editing?.config.credentials ?? []) as string[]), [editing]);
  const save = useMutation({
    mutationFn: () =>
      editing
        ? unwrap(
            api.PATCH("/api/v1/integrations/{integration_id}", {
              params: { path: { integration_id: editing.id } },
              body: updateBody(kind, name, shared, values, forget),
            }),
          )
        : unwrap(api.POST("/api/v1/integrations", { body: createBody(kind, name, shared, values) })),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ["integrations"] });
      onClose();
    },
  });
  const error = save.error instanceof ApiError ? save.error : null;
  const placed = place(error, formKeys(kind));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const fields = FIELDS[kind];
  const hasSecrets = fields.some((f) => f.type.startsWith("secret"));
  return (
    <Dialog title={editing ? `Edit integration ${editing.name}` : "Add integration"} onClose={onClose} wide>
      <form onSubmit={submit} noValidate>
        {save.error && (
          <div role="alert" className="failures">
            <p className="error">{save.error.message}</p>
            {placed.rest.length > 0 && (
              <ul>
                {placed.rest.map((m) => (
                  <li key={m}>{m}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        <Input label="Name" value={name} onChange={setName} problems={placed.byField.name} required />
        <label htmlFor={`${formId}-kind`}>Kind</label>
        <select
            id={`${formId}-kind`}
            className="field"
            value={kind}
            disabled={editing !== undefined}
            onChange={(e) => (setKind(e.target.value as Kind), save.reset())}
          >
            {KINDS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
        </select>
        <Messages id="provider" problems={placed.byField.provider} />
        {fields.map((field) =>
          field.type === "toggle" ? (
            <Toggle
              key={field.key}
              label={field.label}
              checked={values[field.key] === "true"}
              onChange={(on) => setValues((v) => ({ ...v, [field.key]: on ? "true" : "" }))}
              problems={placed.byField[field.key]}
            />
          ) : (
            <Input
              key={field.key}
              label={field.label}
              field={field}
              value={values[field.key] ?? ""}
              onChange={(value) => setValues((v) => ({ ...v, [field.key]: value }))}
              problems={placed.byField[field.key]}
              fixed={editing !== undefined && field.place === true}
              keep={editing !== undefined && field.type.startsWith("secret") && setCredentials.has(field.key.split(".")[1])}
              required={field.required}
              disabled={forget && field.type.startsWith("secret")}
            />
          ),
        )}
        {hasSecrets && (
          <p className="muted small">
            {editing
              ? setCredentials.size > 0
                ? `Credentials set: ${[...setCredentials].join(", ")}. Their values are never shown: leave blank to keep them; typing any replaces them all.`
                : "No credentials are set: the server's own identity is used (or anonymous access)."
              : "Secrets are stored encrypted and never shown again. None given: the server's own identity is used."}
          </p>
        )}
        {editing && setCredentials.size > 0 && (
          <Toggle label="Forget the credentials (use the server's own identity)" checked={forget} onChange={setForget} problems={placed.byField.credentials} />
        )}
        <Toggle label="Shared: everyone may register files from it" checked={shared} onChange={setShared} problems={placed.byField.shared} />
        <DialogFooter onClose={onClose} label={editing ? "Save" : "Add"} pending={save.isPending} />
      </form>
    </Dialog>
  );
}

function Messages({ id, problems }: { id: string; problems?: string[] }) {
  if (!problems?.length) return null;
  return (
    <span id={id} className="error field-error">
      {problems.join("; ")}
    </span>
  );
}

function Input({
  label,
  field,
  value,
  onChange,
  problems,
  fixed = false,
  keep = false,
  required = false,
  disabled = false,
}: {
  label: string;
  field?: Field;
  value: string;
  onChange: (value: string) => void;
  problems?: string[];
  fixed?: boolean;
  keep?: boolean;
  required?: boolean;
  disabled?: boolean;
}) {
  const id = useId();
  const hint = fixed ? "Set when the integration was added; add a new integration to point elsewhere." : field?.hint;
  const described = [problems?.length ? `${id}-problem` : "", hint ? `${id}-hint` : ""].filter(Boolean).join(" ") || undefined;
  const common = {
    id,
    value,
    required,
    disabled,
    readOnly: fixed,
    placeholder: keep ? "leave blank to keep" : undefined,
    "aria-invalid": problems?.length ? true : undefined,
    "aria-describedby": described,
    onChange: (e: { target: { value: string } }) => onChange(e.target.value),
  };
  return (
    <div className="form-field">
      <label htmlFor={id}>
        {label}
      </label>
      {field?.type === "secret-text" ? (
        <textarea rows={4} spellCheck={false} autoComplete="off" {...common} />
      ) : (
        <input type={field?.type === "secret" ? "password" : "text"} autoComplete={field?.type === "secret" ? "new-password" : "off"} spellCheck={false} {...common} />
      )}
      {hint && (
        <span id={`${id}-hint`} className="muted small hint">
          {hint}
        </span>
      )}
      <Messages id={`${id}-problem`} problems={problems} />
    </div>
  );
}

function Toggle({
  label,
  checked,
  onChange,
  problems,
}: {
  label: string;
  checked: boolean;
  onChange: (on: boolean) => void;
  problems?: string[];
}) {
  const id = useId();
  return (
    <>
      <label className="toggle">
        <input
          type="checkbox"
          checked={checked}
          aria-invalid={problems?.length ? true : undefined}
          aria-describedby={problems?.length ? id : undefined}
          onChange={(e) => onChange(e.target.checked)}
        />
        {label}
      </label>
      <Messages id={id} problems={problems} />
    </>
  );
}
