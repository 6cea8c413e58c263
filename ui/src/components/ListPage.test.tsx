// The list pages' shared pieces: a table's heads and its actions column, a row action's accessible name, the title
// row's creating button, and the next page asked for only when there is one.
import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ListTable, LoadMore, PageTitle, RowAction } from "./ListPage";

afterEach(cleanup);

describe("ListPage pieces", () => {
  it("labels a table, heads its columns and names each row's actions after their thing", async () => {
    const remove = vi.fn();
    render(
      <ListTable label="Integrations" columns={["Name", "Kind"]} actions>
        <tr>
          <td>disk</td>
          <td>Local</td>
          <td>
            <RowAction label="Remove" of="disk" danger onClick={remove} />
          </td>
        </tr>
      </ListTable>,
    );
    const table = screen.getByRole("table", { name: "Integrations" });
    const heads = within(table).getAllByRole("columnheader").map((h) => h.textContent);
    expect(heads).toEqual(["Name", "Kind", "Actions"]);
    await userEvent.click(within(table).getByRole("button", { name: "Remove disk" }));
    expect(remove).toHaveBeenCalledOnce();
  });

  it("has no actions column unless asked, and a title row's button only with an action", () => {
    render(
      <>
        <PageTitle id="t" title="People" />
        <ListTable label="Checks" columns={["Permission"]}>
          {null}
        </ListTable>
      </>,
    );
    expect(screen.getAllByRole("columnheader")).toHaveLength(1);
    expect(screen.getByRole("heading", { name: "People" }).id).toBe("t");
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("asks for the next page only when there is one, and not twice at once", async () => {
    const fetchNextPage = vi.fn();
    const { rerender } = render(<LoadMore label="More results" pages={{ hasNextPage: false, isFetchingNextPage: false, fetchNextPage }} />);
    expect(screen.queryByRole("button")).toBeNull();
    rerender(<LoadMore label="More results" pages={{ hasNextPage: true, isFetchingNextPage: false, fetchNextPage }} />);
    await userEvent.click(screen.getByRole("button", { name: "More results" }));
    expect(fetchNextPage).toHaveBeenCalledOnce();
    rerender(<LoadMore label="More results" pages={{ hasNextPage: true, isFetchingNextPage: true, fetchNextPage }} />);
    expect(screen.getByRole("button", { name: "More results" })).toHaveProperty("disabled", true);
  });
});
