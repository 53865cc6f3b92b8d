-- depends_on: {{ ref('rfm_segment_definitions') }}
-- depends_on: {{ ref('rfm_score_breaks') }}
{#- What each score meant at each snapshot: the range of values the customers with that score had, so an
    analyst can say "a 5 in frequency meant 7+ orders in March". Ranked scores (percent_rank, ntile) are
    computed per snapshot, so their ranges move from one snapshot to the next; with the `thresholds` method
    the fixed breaks of seed rfm_score_breaks are shown beside them (break_min_value inclusive,
    break_max_value exclusive, null = open-ended). Only scored customers count: with population `active`
    the customers without a completed order in the window have no scores. -#}
{%- set method = customer_segmentation.rfm_score_method() %}

with

rfm_history_rows as (

    select * from {{ ref('customer_rfm_history') }}

),

{% if method == 'thresholds' -%}
score_breaks as (

    select * from {{ ref('rfm_score_breaks') }}
    where buckets = {{ customer_segmentation.rfm_buckets() }}

),

{% endif -%}
rfm_history as (

    select * from rfm_history_rows
    where recency_score is not null

),

recency_ranges as (

    select
        snapshot_date,
        'recency' as dimension,
        'recency_days' as measure,
        recency_score as score,
        cast(min(recency_days) as {{ customer_segmentation.money_type() }}) as min_value,
        cast(max(recency_days) as {{ customer_segmentation.money_type() }}) as max_value,
        count(*) as customers
    from rfm_history
    group by
        snapshot_date,
        recency_score

),

frequency_ranges as (

    select
        snapshot_date,
        'frequency' as dimension,
        'frequency' as measure,
        frequency_score as score,
        cast(min(frequency) as {{ customer_segmentation.money_type() }}) as min_value,
        cast(max(frequency) as {{ customer_segmentation.money_type() }}) as max_value,
        count(*) as customers
    from rfm_history
    group by
        snapshot_date,
        frequency_score

),

monetary_ranges as (

    select
        snapshot_date,
        'monetary' as dimension,
        'monetary' as measure,
        monetary_score as score,
        cast(min(monetary) as {{ customer_segmentation.money_type() }}) as min_value,
        cast(max(monetary) as {{ customer_segmentation.money_type() }}) as max_value,
        count(*) as customers
    from rfm_history
    group by
        snapshot_date,
        monetary_score

),

score_ranges as (

    select * from recency_ranges
    union all
    select * from frequency_ranges
    union all
    select * from monetary_ranges

),

with_snapshot_totals as (

    select
        *,
        sum(customers) over (partition by snapshot_date, dimension) as snapshot_customers
    from score_ranges

),

final as (

    select
        with_snapshot_totals.snapshot_date,
        with_snapshot_totals.dimension,
        with_snapshot_totals.measure,
        cast(with_snapshot_totals.score as integer) as score,
        with_snapshot_totals.min_value,
        with_snapshot_totals.max_value,
        with_snapshot_totals.customers,
        {{ customer_segmentation.round_ratio(
            'with_snapshot_totals.customers', 'with_snapshot_totals.snapshot_customers', 6
        ) }} as share,
        {%- if method == 'thresholds' %}
        cast(score_breaks.min_value as {{ customer_segmentation.money_type() }}) as break_min_value,
        cast(score_breaks.max_value as {{ customer_segmentation.money_type() }}) as break_max_value
        {%- else %}
        cast(null as {{ customer_segmentation.money_type() }}) as break_min_value,
        cast(null as {{ customer_segmentation.money_type() }}) as break_max_value
        {%- endif %}
    from with_snapshot_totals
    {%- if method == 'thresholds' %}
    left join score_breaks
        on with_snapshot_totals.dimension = score_breaks.dimension
        and with_snapshot_totals.score = score_breaks.score
    {%- endif %}

)

select * from final
