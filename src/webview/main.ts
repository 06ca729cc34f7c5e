/** Webview entry (bundled by esbuild to dist/webview.js, an iife loaded with the CSP nonce). */
import './elements';
import { startPanel } from './app';
import { connectToHost } from './hostApi';

const root = document.getElementById('app');
if (root) startPanel(connectToHost(), root);
