import { CallbackError } from '../errors.js';

const HINTS = {
  css: 'fix the CSS selector; pseudo-elements are ::text, *::text and ::attr(name), last in each group (docs/selectors.md)',
  xpath: 'fix the XPath 1.0 expression (text(), @attr, axes such as following-sibling::, functions such as contains()); see docs/selectors.md',
};

/** `ERR_SELECTOR_INVALID`: a CSS selector or XPath expression that cannot be parsed or run, named in the message. */
export function selectorError(kind: 'css' | 'xpath', source: string, problem: string, hint: string = HINTS[kind]): CallbackError {
  return new CallbackError('ERR_SELECTOR_INVALID', `invalid ${kind === 'css' ? 'CSS selector' : 'XPath expression'} ${JSON.stringify(source)}: ${problem}`, { hint });
}
