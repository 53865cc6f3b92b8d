-- Thin-data guard (a warning): snapshots with fewer customers than var rfm_min_customers_per_snapshot, or
-- where ties leave a dimension with fewer distinct scores than var rfm_min_distinct_scores. Segments there
-- mean little; the build's log names them and the report shows them.
{{ config(severity='warn') }}

select
    snapshot_date,
    customers,
    distinct_recency_scores,
    distinct_frequency_scores,
    distinct_monetary_scores,
    min_customers,
    min_distinct_scores
from {{ ref('rfm_snapshot_quality') }}
where is_thin
