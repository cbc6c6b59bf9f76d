import { z } from 'zod';
import { OUTPUT_FORMATS, type OutputFormat, type OutputFormatName } from './formats.js';

/**
 * The formats' config fields for a command's zod schema (`--json FILE` -> `json`): a non-empty
 * path, and for file-only formats not `-`.
 */
export function outputConfigFields(): { [Name in OutputFormatName]: z.ZodOptional<z.ZodString> } {
  const field = (f: OutputFormat) =>
    f.stdout ? z.string().min(1).optional() : z.string().min(1).refine((file) => file !== '-', `write the ${f.title} to a file, not stdout`).optional();
  return Object.fromEntries(OUTPUT_FORMATS.map((f) => [f.name, field(f)])) as { [Name in OutputFormatName]: z.ZodOptional<z.ZodString> };
}
