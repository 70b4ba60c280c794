import { readCommand } from './read.ts';
import type { Register } from './register.ts';

export const registerConversation: Register = (program, runner) => {
  readCommand(program, 'conversation', "a conversation's latest inbound message")
    .argument('<phone_number_id>', 'the business phone number id')
    .argument('<user>', "the customer: any identifier their messages carried (wa_id, BSUID, parent BSUID, username)")
    .action(
      runner.action(async (ctx, phoneNumberId, user, flags) =>
        (await import('../run/status.ts')).conversationCommand(ctx, phoneNumberId, user, flags),
      ),
    );
};
