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
        -- Sums and counts, not avg(): averages are exact decimals, rounded the same way on every engine.
        sum(recency_days) as total_recency_days,
        count(recency_days) as recency_customers,
        sum(frequency) as total_frequency,
        count(frequency) as frequency_customers,
        sum(monetary) as total_monetary,
        count(monetary) as monetary_customers
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
            {{ customer_segmentation.round_ratio('customers', 'sum(customers) over (partition by snapshot_date)', 6) }}
            as decimal(9, 6)
        ) as share,
        revenue,
        {{ customer_segmentation.round_ratio('total_recency_days', 'recency_customers', 2) }} as avg_recency_days,
        {{ customer_segmentation.round_ratio('total_frequency', 'frequency_customers', 2) }} as avg_frequency,
        {{ customer_segmentation.round_ratio('total_monetary', 'monetary_customers', 2) }} as avg_monetary
    from per_segment

)

select * from final
