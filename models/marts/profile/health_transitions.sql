-- Customers moving between health bands from one snapshot to the next; seed 004's health transitions to
-- watch (Healthy -> At-risk, At-risk -> Healthy) are flagged.
{{ customer_segmentation.family_transitions(ref('customer_health_history'), 'health_band', 'health') }}
