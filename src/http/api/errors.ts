/** JSON error bodies: `{"error": "..."}` with a fitting status (README.md#json-api). */
export const errorBody = (message: string) => ({ error: message });

export const notFound = (what: string) =>
  new Response(JSON.stringify(errorBody(`${what} not found`)), {
    status: 404,
    headers: { "content-type": "application/json" },
  });

export const conflict = (message: string) =>
  new Response(JSON.stringify(errorBody(message)), { status: 409, headers: { "content-type": "application/json" } });
