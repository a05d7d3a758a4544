// Vite's `?raw` suffix imports a file's text (the docs tests compare quoted code with its source).
declare module '*?raw' {
  const text: string;
  export default text;
}
