// @wamesh/relay is a service: main.ts is its composition root, and no other package
// imports it, so it exports nothing. Export here what another package comes to import.
export {};
