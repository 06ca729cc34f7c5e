/**
 * The panel's HTML: a strict Content Security Policy (nothing remote, no inline script or style;
 * the one script runs by nonce), the bundled dist/webview.js and media/panel.css. Pure.
 */

export interface PanelHtmlInputs {
  /** webview.cspSource: the origin the webview serves local resources from. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    // Images only inline: the recovered trigger arrives as a data: URI (reportImages.ts); nothing from disk.
    "img-src data:",
    // @vscode-elements styles its shadow roots with constructed stylesheets, which need no 'unsafe-inline'.
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function panelHtml(inputs: PanelHtmlInputs): string {
  const attr = (value: string): string => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(inputs.cspSource, inputs.nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${attr(inputs.styleUri)}">
  <title>Backdoor Cleanse</title>
</head>
<body>
  <main id="app" aria-live="polite"><p>Loading the panel…</p></main>
  <script nonce="${attr(inputs.nonce)}" src="${attr(inputs.scriptUri)}"></script>
</body>
</html>`;
}

/** 32 characters from [A-Za-z0-9], drawn from a cryptographic source. */
export function makeNonce(randomBytes: (size: number) => Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(32), (byte) => alphabet[byte % alphabet.length]).join('');
}
