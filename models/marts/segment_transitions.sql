{#- Customers moving between RFM segments from one snapshot to the next, with their window net
    revenue (monetary), their time in the segment they came from and the moves to watch flagged. -#}

with

segment_transitions as (

    select * from {{ ref('int_customer_segment_transitions') }}

),

family_transitions as (

    select *
    from segment_transitions
    where family = 'rfm'

),

final as (

    select
        snapshot_date,
        from_segment,
        to_segment,
        customers,
        revenue,
        is_movement,
        avg_periods_in_from_segment,
        avg_days_in_from_segment,
        is_watched,
        watch_signal,
        watch_action
    from family_transitions

)

select * from final
