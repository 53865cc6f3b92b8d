-- depends_on: {{ ref('rfm_segment_definitions') }}
-- Recompute every score from the stored values, ranking within each snapshot only, and compare. Ranking
-- across snapshots, or against a stale snapshot after an incremental run, would disagree here.
{%- set buckets = customer_segmentation.rfm_buckets() -%}
{%- set method = customer_segmentation.rfm_score_method() %}

with

history as (

    select * from {{ ref('customer_rfm_history') }}

),

recomputed as (

    select
        customer_id,
        snapshot_date,
        recency_score,
        frequency_score,
        monetary_score,
        {{ customer_segmentation.rfm_score('recency_days', 'desc', buckets, method) }} as expected_recency_score,
        {{ customer_segmentation.rfm_score('frequency', 'asc', buckets, method) }} as expected_frequency_score,
        {{ customer_segmentation.rfm_score('monetary', 'asc', buckets, method) }} as expected_monetary_score
    from history

)

select * from recomputed
where recency_score <> expected_recency_score
    or frequency_score <> expected_frequency_score
    or monetary_score <> expected_monetary_score
    or recency_score < 1 or recency_score > {{ buckets }}
    or frequency_score < 1 or frequency_score > {{ buckets }}
    or monetary_score < 1 or monetary_score > {{ buckets }}
