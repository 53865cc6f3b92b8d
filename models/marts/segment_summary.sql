with

rfm_history as (

    select * from {{ ref('customer_rfm_history') }}

),

per_segment as (

    select
        snapshot_date,
        segment,
        count(*) as customers,
        cast(sum(monetary) as {{ customer_segmentation.money_type() }}) as revenue,
        avg(cast(recency_days as {{ dbt.type_float() }})) as avg_recency_days,
        avg(cast(frequency as {{ dbt.type_float() }})) as avg_frequency,
        avg(cast(monetary as {{ dbt.type_float() }})) as avg_monetary
    from rfm_history
    group by
        snapshot_date,
        segment

),

final as (

    select
        snapshot_date,
        segment,
        customers,
        cast(
            round(cast(customers as {{ dbt.type_numeric() }}) / sum(customers) over (partition by snapshot_date), 6)
            as decimal(9, 6)
        ) as share,
        revenue,
        cast(round(avg_recency_days, 2) as decimal(18, 2)) as avg_recency_days,
        cast(round(avg_frequency, 2) as decimal(18, 2)) as avg_frequency,
        cast(round(avg_monetary, 2) as decimal(18, 2)) as avg_monetary
    from per_segment

)

select * from final
