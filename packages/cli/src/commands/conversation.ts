import { readCommand } from './read.ts';
import type { Register } from './register.ts';

export const registerConversation: Register = (program, runner) => {
  readCommand(program, 'conversation', "a conversation's latest inbound message")
    .argument('<phone_number_id>', 'the business phone number id')
    .argument('<wa_id>', "the customer's WhatsApp id")
    .action(
      runner.action(async (ctx, phoneNumberId, waId, flags) =>
        (await import('../run/status.ts')).conversationCommand(ctx, phoneNumberId, waId, flags),
      ),
    );
};
