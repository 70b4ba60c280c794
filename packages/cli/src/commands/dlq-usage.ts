// Kept apart from dlq.ts so `wamesh --help` does not load the JetStream client.
export const dlqUsage = `wamesh dlq list [--region R ...] [--limit N] [--json] [--nats URL]
    dead letters of each region (stream WADLQ_<R>): how many, then per message (first N, default
    100) its stream seq, original subject, reason, event id, when it was dead-lettered, and
    whether \`dlq replay\` would take it
wamesh dlq replay [--region R ...] [--seq N ...] [--dry-run] [--json] [--nats URL]
    puts dead letters (all, or the given seqs of one region's stream) back on their original
    input subject (Wa-Dead-Subject) with their original headers (traceparent, Wa-Region,
    Wa-Received-At), awaits each PubAck, and only then deletes the message from WADLQ_<R>; the
    consumer applies it again (its writes are joins, its event log records an event once).
    The replay's Nats-Msg-Id is <eventId>:replay:<dlq seq>, not the event id: the event id
    would fall into the input stream's duplicate window and be dropped when the original was
    published recently; re-running an interrupted replay sends the same id, which JetStream
    drops, and the message is then deleted. Only wa.<R>.msg.<n> / wa.<R>.status.<n> of the
    stream's own region (with a shard consumer) are replayed: anything else, outputs above
    all, is refused and kept. A poison message (listed without an event id, or with an
    "invalid ..." reason) comes back to the DLQ unless the consumer now accepts it: pick what
    to replay with --seq. --dry-run shows what would happen and changes nothing.
    Exits 1 when anything was refused, failed or not found.
    both read the dev mesh (.wamesh/dev.json), or --nats URL / NATS_URLS; without --region,
    every region of the dev mesh, or every WADLQ_* stream on that NATS`;
