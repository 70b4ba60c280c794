// @wamesh/cli is the `wamesh` command (bin: src/main.ts, runner: src/cli.ts); no other
// package imports it, so it exports nothing. Export here what another package comes to import.
export {};
