import { hello } from '@wamesh/core';
export const greet = (): string => hello('bus');
