/**
 * Label and field selectors with the grammar and semantics of apimachinery `pkg/labels/selector.go`
 * and `pkg/fields/selector.go`. Pure: strings in, predicates out.
 */

export type LabelOperator = 'Equals' | 'NotEquals' | 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'GreaterThan' | 'LessThan';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** An empty requirement list selects everything. */
export interface LabelSelector {
  requirements: LabelRequirement[];
}

export class SelectorParseError extends Error {
  override name = 'SelectorParseError';
}

const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

type Token =
  | { kind: 'identifier'; text: string }
  | { kind: 'op'; text: '=' | '==' | '!=' | '!' | '(' | ')' | ',' | '<' | '>' }
  | { kind: 'end'; text: '' };

function lexLabelSelector(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const special = new Set(['=', '!', '(', ')', ',', '<', '>']);
  while (i < input.length) {
    const ch = input[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (special.has(ch)) {
      const two = input.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        tokens.push({ kind: 'op', text: two });
        i += 2;
      } else {
        tokens.push({ kind: 'op', text: ch as '=' });
        i++;
      }
      continue;
    }
    let j = i;
    while (j < input.length && !special.has(input[j]!) && !/\s/.test(input[j]!)) j++;
    tokens.push({ kind: 'identifier', text: input.slice(i, j) });
    i = j;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

function validateLabelKey(key: string): void {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const ok =
    name.length > 0 &&
    name.length <= 63 &&
    QUALIFIED_NAME.test(name) &&
    (slash < 0 || (prefix.length > 0 && prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)));
  if (!ok) {
    throw new SelectorParseError(
      `unable to parse requirement: key: Invalid value: ${JSON.stringify(key)}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

function validateLabelValue(value: string): void {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    throw new SelectorParseError(
      `unable to parse requirement: values[0][${value}]: Invalid value: ${JSON.stringify(value)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

/** `labels.Parse`. Throws SelectorParseError with an apimachinery-like message. */
export function parseLabelSelector(input: string): LabelSelector {
  const tokens = lexLabelSelector(input);
  let pos = 0;
  const peek = (): Token => tokens[pos]!;
  const next = (): Token => tokens[pos++]!;
  const requirements: LabelRequirement[] = [];
  if (peek().kind === 'end') return { requirements };

  for (;;) {
    let token = next();
    let negated = false;
    if (token.kind === 'op' && token.text === '!') {
      negated = true;
      token = next();
    }
    if (token.kind !== 'identifier') {
      throw new SelectorParseError(`found '${token.text}', expected: !, identifier, or 'end of string'`);
    }
    const key = token.text;
    validateLabelKey(key);
    const after = peek();
    if (negated) {
      requirements.push({ key, operator: 'DoesNotExist', values: [] });
    } else if (after.kind === 'end' || (after.kind === 'op' && after.text === ',')) {
      requirements.push({ key, operator: 'Exists', values: [] });
    } else {
      const op = next();
      if (op.kind === 'op' && (op.text === '=' || op.text === '==' || op.text === '!=')) {
        const valueToken = peek();
        let value = '';
        if (valueToken.kind === 'identifier') {
          value = valueToken.text;
          pos++;
        } else if (!(valueToken.kind === 'end' || (valueToken.kind === 'op' && valueToken.text === ','))) {
          throw new SelectorParseError(`found '${valueToken.text}', expected: identifier`);
        }
        validateLabelValue(value);
        requirements.push({ key, operator: op.text === '!=' ? 'NotEquals' : 'Equals', values: [value] });
      } else if (op.kind === 'op' && (op.text === '<' || op.text === '>')) {
        const valueToken = next();
        if (valueToken.kind !== 'identifier' || !/^-?\d+$/.test(valueToken.text)) {
          throw new SelectorParseError(
            `unable to parse requirement: values[0]: Invalid value: ${JSON.stringify(valueToken.text)}: for 'Gt', 'Lt' operators, the value must be an integer`,
          );
        }
        requirements.push({ key, operator: op.text === '>' ? 'GreaterThan' : 'LessThan', values: [valueToken.text] });
      } else if (op.kind === 'identifier' && (op.text === 'in' || op.text === 'notin')) {
        const open = next();
        if (!(open.kind === 'op' && open.text === '(')) {
          throw new SelectorParseError(`found '${open.text}', expected: '('`);
        }
        const values: string[] = [];
        let expectValue = true;
        for (;;) {
          const t = next();
          if (t.kind === 'op' && t.text === ')') {
            if (expectValue && values.length > 0) values.push('');
            break;
          }
          if (t.kind === 'op' && t.text === ',') {
            // An empty element ("in (a,,b)") is the empty value, as in apimachinery.
            if (expectValue) values.push('');
            expectValue = true;
            continue;
          }
          if (t.kind !== 'identifier' || !expectValue) {
            throw new SelectorParseError(`found '${t.text}', expected: ',', ')' or identifier`);
          }
          validateLabelValue(t.text);
          values.push(t.text);
          expectValue = false;
        }
        if (values.length === 0) {
          throw new SelectorParseError(
            `unable to parse requirement: values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty`,
          );
        }
        requirements.push({ key, operator: op.text === 'in' ? 'In' : 'NotIn', values: [...new Set(values)] });
      } else {
        throw new SelectorParseError(`found '${op.text}', expected: in, notin, =, ==, !=, gt, lt`);
      }
    }
    const sep = next();
    if (sep.kind === 'end') break;
    if (!(sep.kind === 'op' && sep.text === ',')) {
      throw new SelectorParseError(`found '${sep.text}', expected: ',' or 'end of string'`);
    }
  }
  return { requirements };
}

export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  for (const req of selector.requirements) {
    const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, req.key);
    const value = has ? labels![req.key]! : undefined;
    switch (req.operator) {
      case 'Equals':
      case 'In':
        if (!has || !req.values.includes(value!)) return false;
        break;
      case 'NotEquals':
      case 'NotIn':
        if (has && req.values.includes(value!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      case 'GreaterThan':
      case 'LessThan': {
        if (!has || !/^-?\d+$/.test(value!)) return false;
        const n = Number(value);
        const bound = Number(req.values[0]);
        if (req.operator === 'GreaterThan' ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}

export interface FieldRequirement {
  field: string;
  operator: 'Equals' | 'NotEquals';
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
}

/** Splits on unescaped `sep` (fields.ParseSelector escaping: `\\`, `\,`, `\=`). */
function splitUnescaped(input: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch === '\\' && i + 1 < input.length) {
      current += ch + input[i + 1]!;
      i++;
    } else if (ch === sep) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeFieldValue(value: string, whole: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\') {
      const nextCh = value[i + 1];
      if (nextCh === '\\' || nextCh === ',' || nextCh === '=') {
        out += nextCh;
        i++;
        continue;
      }
      throw new SelectorParseError(`invalid field selector: invalid escape sequence in '${whole}'`);
    }
    if (ch === ',' || ch === '=') {
      throw new SelectorParseError(`invalid field selector: unescaped ${ch} in '${whole}'`);
    }
    out += ch;
  }
  return out;
}

/** `fields.ParseSelector`: syntax only (field labels are checked by `checkFieldLabels`). */
export function parseFieldSelector(input: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  if (input.trim() === '') return { requirements };
  for (const term of splitUnescaped(input, ',')) {
    if (term === '') continue;
    let opIndex = -1;
    let opText = '';
    for (const candidate of ['!=', '==', '=']) {
      const idx = term.indexOf(candidate);
      if (idx > 0) {
        opIndex = idx;
        opText = candidate;
        break;
      }
    }
    if (opIndex < 0) {
      throw new SelectorParseError(`invalid selector: '${input}'; can't understand '${term}'`);
    }
    const field = term.slice(0, opIndex).trim();
    const value = unescapeFieldValue(term.slice(opIndex + opText.length), term);
    requirements.push({ field, operator: opText === '!=' ? 'NotEquals' : 'Equals', value });
  }
  return { requirements };
}

/**
 * The registry's field-label conversion: only a resource's own labels may appear
 * (`field label not supported: X`, which kube-apiserver answers with 400).
 */
export function checkFieldLabels(selector: FieldSelector, supportedFields: readonly string[]): void {
  for (const req of selector.requirements) {
    if (!supportedFields.includes(req.field)) throw new SelectorParseError(`field label not supported: ${req.field}`);
  }
}

export function matchesFields(selector: FieldSelector, fields: Readonly<Record<string, string>>): boolean {
  for (const req of selector.requirements) {
    const value = fields[req.field] ?? '';
    if (req.operator === 'Equals' ? value !== req.value : value === req.value) return false;
  }
  return true;
}

export const EVERYTHING_LABELS: LabelSelector = { requirements: [] };
export const EVERYTHING_FIELDS: FieldSelector = { requirements: [] };
