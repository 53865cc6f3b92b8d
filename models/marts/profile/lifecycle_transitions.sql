-- Customers moving between activity statuses (New / Active / At risk / Churned) from one snapshot to the
-- next; the lifecycle transitions to watch in the seed are flagged.
{{ customer_segmentation.family_transitions(ref('customer_lifecycle_history'), 'activity_status', 'lifecycle') }}
