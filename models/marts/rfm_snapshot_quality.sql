{{ config(post_hook="{{ customer_segmentation.warn_thin_snapshots(this) }}") }}
-- depends_on: {{ ref('rfm_segment_definitions') }}
{%- set min_customers = customer_segmentation.rfm_min_customers_per_snapshot() -%}
{%- set min_distinct_scores = customer_segmentation.rfm_min_distinct_scores(customer_segmentation.rfm_buckets()) %}

with

score_thresholds as (

    select * from {{ ref('rfm_score_thresholds') }}

),

per_snapshot as (

    -- Each dimension's scores cover every customer once, so the recency rows count the snapshot's customers.
    select
        snapshot_date,
        sum(case when dimension = 'recency' then customers else 0 end) as customers,
        sum(case when dimension = 'recency' then 1 else 0 end) as distinct_recency_scores,
        sum(case when dimension = 'frequency' then 1 else 0 end) as distinct_frequency_scores,
        sum(case when dimension = 'monetary' then 1 else 0 end) as distinct_monetary_scores
    from score_thresholds
    group by snapshot_date

),

flagged as (

    select
        *,
        case when customers < {{ min_customers }} then true else false end as has_too_few_customers,
        case
            when least(distinct_recency_scores, distinct_frequency_scores, distinct_monetary_scores) < {{ min_distinct_scores }}
                then true
            else false
        end as has_collapsed_scores
    from per_snapshot

),

final as (

    select
        snapshot_date,
        cast(customers as {{ dbt.type_bigint() }}) as customers,
        cast(distinct_recency_scores as integer) as distinct_recency_scores,
        cast(distinct_frequency_scores as integer) as distinct_frequency_scores,
        cast(distinct_monetary_scores as integer) as distinct_monetary_scores,
        {{ min_customers }} as min_customers,
        {{ min_distinct_scores }} as min_distinct_scores,
        has_too_few_customers,
        has_collapsed_scores,
        case when has_too_few_customers or has_collapsed_scores then true else false end as is_thin
    from flagged

)

select * from final
