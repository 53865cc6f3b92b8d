{{ config(enabled=customer_segmentation.events_enabled()) }}
-- Customers moving between behavioural segments from one snapshot to the next; seed 004's behaviour
-- transitions to watch (Active -> Light is Engaged -> Trialing here, ...) are flagged.
{{ customer_segmentation.family_transitions(ref('customer_behaviour_history'), 'behaviour_segment', 'behaviour') }}
