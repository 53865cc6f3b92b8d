{#- What each score meant at each snapshot: the range of values the customers with that score had, so an
    analyst can say "a 5 in frequency meant 7+ orders in March". Scores are ranked per snapshot, so the
    ranges move from one snapshot to the next. -#}

with

rfm_history as (

    select * from {{ ref('customer_rfm_history') }}

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
        snapshot_date,
        dimension,
        measure,
        cast(score as integer) as score,
        min_value,
        max_value,
        customers,
        {{ customer_segmentation.round_ratio('customers', 'snapshot_customers', 6) }} as share
    from with_snapshot_totals

)

select * from final
