{{ config(post_hook=[
    "{{ customer_segmentation.warn_thin_snapshots(this) }}",
    "{{ customer_segmentation.warn_collapsed_snapshots(this) }}"
]) }}
-- depends_on: {{ ref('rfm_segment_definitions') }}
{%- set min_customers = customer_segmentation.rfm_min_customers_per_snapshot() -%}
{%- set min_distinct_scores = customer_segmentation.rfm_min_distinct_scores(customer_segmentation.rfm_buckets()) -%}
{%- set max_score_share = customer_segmentation.rfm_max_score_share() %}

with

score_thresholds as (

    select * from {{ ref('rfm_score_thresholds') }}

),

per_dimension as (

    -- Collapse guard: one score holding more than rfm_max_score_share of the dimension's scored customers,
    -- or an empty score between the lowest and the highest one present (ties jumping a score).
    select
        snapshot_date,
        dimension,
        case
            when max(customers) > {{ max_score_share }} * sum(customers) then true
            when max(score) - min(score) + 1 > count(*) then true
            else false
        end as is_collapsed
    from score_thresholds
    group by
        snapshot_date,
        dimension

),

per_snapshot as (

    -- Each dimension's scores cover every scored customer once, so the recency rows count the snapshot's
    -- scored customers.
    select
        score_thresholds.snapshot_date,
        sum(case when score_thresholds.dimension = 'recency' then score_thresholds.customers else 0 end) as customers,
        sum(case when score_thresholds.dimension = 'recency' then 1 else 0 end) as distinct_recency_scores,
        sum(case when score_thresholds.dimension = 'frequency' then 1 else 0 end) as distinct_frequency_scores,
        sum(case when score_thresholds.dimension = 'monetary' then 1 else 0 end) as distinct_monetary_scores
    from score_thresholds
    group by score_thresholds.snapshot_date

),

collapsed_dimensions as (

    select
        snapshot_date,
        max(case when dimension = 'recency' and is_collapsed then 1 else 0 end) as is_recency_collapsed,
        max(case when dimension = 'frequency' and is_collapsed then 1 else 0 end) as is_frequency_collapsed,
        max(case when dimension = 'monetary' and is_collapsed then 1 else 0 end) as is_monetary_collapsed
    from per_dimension
    group by snapshot_date

),

flagged as (

    select
        per_snapshot.*,
        coalesce(collapsed_dimensions.is_recency_collapsed = 1, false) as is_recency_collapsed,
        coalesce(collapsed_dimensions.is_frequency_collapsed = 1, false) as is_frequency_collapsed,
        coalesce(collapsed_dimensions.is_monetary_collapsed = 1, false) as is_monetary_collapsed,
        coalesce(per_snapshot.customers < {{ min_customers }}, false) as has_too_few_customers,
        coalesce(
            least(
                per_snapshot.distinct_recency_scores,
                per_snapshot.distinct_frequency_scores,
                per_snapshot.distinct_monetary_scores
            ) < {{ min_distinct_scores }},
            false
        ) as has_collapsed_scores
    from per_snapshot
    inner join collapsed_dimensions
        on per_snapshot.snapshot_date = collapsed_dimensions.snapshot_date

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
        coalesce(has_too_few_customers or has_collapsed_scores, false) as is_thin,
        {{ max_score_share }} as max_score_share,
        is_recency_collapsed,
        is_frequency_collapsed,
        is_monetary_collapsed,
        coalesce(is_recency_collapsed or is_frequency_collapsed or is_monetary_collapsed, false) as is_collapsed
    from flagged

)

select * from final
