with

rfm_history as (

    select * from {{ ref('customer_rfm_history') }}

),

with_previous as (

    select
        customer_id,
        snapshot_date,
        segment,
        monetary,
        -- Histories run over consecutive periods, so the row before is the previous snapshot.
        lag(segment) over (partition by customer_id order by snapshot_date) as previous_segment
    from rfm_history

),

final as (

    select
        snapshot_date,
        coalesce(previous_segment, '(new customer)') as from_segment,
        segment as to_segment,
        count(*) as customers,
        cast(sum(monetary) as {{ customer_segmentation.money_type() }}) as revenue,
        case when previous_segment is null or previous_segment <> segment then true else false end as is_movement
    from with_previous
    group by
        snapshot_date,
        coalesce(previous_segment, '(new customer)'),
        segment,
        case when previous_segment is null or previous_segment <> segment then true else false end

)

select * from final
