import { z } from "zod";

/**
 * The parts of our own OpenAPI description (served at /api/docs by Elysia's plugin) that the API page shows: it is
 * read through this schema like any other input, so the page can only show what was declared.
 */

/** A JSON schema fragment, as far as the page describes it (getters: the schema refers to itself). */
const JsonSchema = z.object({
  type: z.string().optional(),
  enum: z.array(z.unknown()).optional(),
  get anyOf() {
    return z.array(JsonSchema).optional();
  },
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  exclusiveMinimum: z.number().optional(),
  minLength: z.number().optional(),
  maxLength: z.number().optional(),
  pattern: z.string().optional(),
  default: z.unknown().optional(),
  get properties() {
    return z.record(z.string(), JsonSchema).optional();
  },
  required: z.array(z.string()).optional(),
  get items() {
    return JsonSchema.optional();
  },
});
type JsonSchema = z.infer<typeof JsonSchema>;

const Operation = z.object({
  summary: z.string().optional(),
  tags: z.array(z.string()).optional(),
  parameters: z
    .array(z.object({ name: z.string(), in: z.string(), required: z.boolean().optional(), schema: JsonSchema.optional() }))
    .optional(),
  requestBody: z.object({ content: z.record(z.string(), z.object({ schema: JsonSchema.optional() })) }).optional(),
});
export type Operation = z.infer<typeof Operation>;

export const ApiDescription = z.object({
  info: z.object({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), Operation)),
});
export type ApiDescription = z.infer<typeof ApiDescription>;

/** One value in words: `integer 1..1000, default 100`, `"live" | "closed" | "all"`, `boolean or "true" | "false"`. */
export function describeSchema(s: JsonSchema | undefined): string {
  if (!s) return "";
  if (s.anyOf) return s.anyOf.map(describeSchema).join(" or ");
  const parts: string[] = [];
  if (s.enum) parts.push(s.enum.map((v) => JSON.stringify(v)).join(" | "));
  else if (s.type === "array") parts.push(`array of ${describeSchema(s.items) || "values"}`);
  else if (s.type) parts.push(s.type);
  const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : undefined);
  if (lo !== undefined || s.maximum !== undefined) parts.push(`${lo ?? ""}..${s.maximum !== undefined && s.maximum < 2 ** 53 - 1 ? s.maximum : ""}`);
  if (s.minLength !== undefined || s.maxLength !== undefined) parts.push(`${s.minLength ?? 0}..${s.maxLength ?? ""} characters`);
  if (s.pattern) parts.push(`matching ${s.pattern}`);
  if (s.default !== undefined) parts.push(`default ${JSON.stringify(s.default)}`);
  return parts.join(", ");
}

/** The JSON body's fields of an operation, when it takes one. */
export function bodyFields(op: Operation): { name: string; required: boolean; text: string }[] {
  const schema = op.requestBody?.content["application/json"]?.schema;
  return Object.entries(schema?.properties ?? {}).map(([name, s]) => ({
    name,
    required: schema?.required?.includes(name) ?? false,
    text: describeSchema(s),
  }));
}
