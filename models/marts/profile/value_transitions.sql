{#- Customers moving between value bands from one snapshot to the next (the family's rows of
    int_customer_segment_transitions). -#}

with

segment_transitions as (

    select * from {{ ref('int_customer_segment_transitions') }}

),

family_transitions as (

    select *
    from segment_transitions
    where family = 'value'

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
