// @wamesh/relay is a service: main.ts is its composition root. What other packages import:
// the operator's side of the dead letters (the cli's `wamesh relay dlq list|replay|skip`)
// and the delivery records (the cli's `wamesh trace`).
export { createDeadLetters, type DeadLetter, type Decision, decideDeadLetter, listDeadLetters } from './dead-letters.ts';
export { type DeliveryRecord, readDeliveryRecords } from './delivery-records.ts';
export { RELAY_BUCKET, RELAY_DLQ_STREAM, relayDlqSubject } from './topology.ts';
