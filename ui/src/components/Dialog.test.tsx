// The dialog traps focus: Tab and Shift-Tab cycle inside it, focus that wanders out comes back, Escape closes it,
// and closing returns focus to the control that opened it.
import { cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { Dialog } from "./Dialog";

afterEach(cleanup);

function Page() {
  const [shown, setShown] = useState(false);
  return (
    <>
      <button type="button">Before</button>
      <button type="button" onClick={() => setShown(true)}>
        Open
      </button>
      <button type="button">After</button>
      {shown && (
        <Dialog title="Pick" onClose={() => setShown(false)}>
          <input aria-label="Name" />
          <button type="button" disabled>
            Disabled
          </button>
          <span tabIndex={-1}>Not in the Tab order</span>
          <button type="button">Save</button>
        </Dialog>
      )}
    </>
  );
}

async function openDialog() {
  render(<Page />);
  await userEvent.click(screen.getByRole("button", { name: "Open" }));
  return screen.getByRole("dialog", { name: "Pick" });
}

describe("Dialog", () => {
  it("moves focus to its first field", async () => {
    await openDialog();
    expect(document.activeElement).toBe(screen.getByLabelText("Name"));
  });

  it("cycles Tab through its own controls only", async () => {
    await openDialog();
    const order: (string | null)[] = [];
    for (let i = 0; i < 4; i += 1) {
      await userEvent.tab();
      order.push(document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent ?? null);
    }
    expect(order).toEqual(["Save", "Close", "Name", "Save"]);
  });

  it("cycles Shift-Tab backwards, from the first control to the last", async () => {
    await openDialog();
    await userEvent.tab({ shift: true }); // Name -> Close (the header's close button comes first in the DOM)
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Close" }));
    await userEvent.tab({ shift: true });
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Save" }));
  });

  it("brings back focus that wanders out of it", async () => {
    await openDialog();
    screen.getByRole("button", { name: "After" }).focus();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Close" }));
  });

  it("closes on Escape and returns focus to the control that opened it", async () => {
    await openDialog();
    await userEvent.tab();
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Open" }));
  });

  it("returns focus to the opener when closed by its Close button", async () => {
    await openDialog();
    await userEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Open" }));
  });
});
