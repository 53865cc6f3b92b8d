{#- One row per date the window engine reads: a day with counted orders or events (int_orders_to_date,
    int_events_to_date) or a sign-up day, with the fingerprints of that date's inputs (sums of row hashes,
    macros/engines/fingerprint.sql). Incremental runs compare them with the fingerprints stored beside what
    was built from them: int_customer_daily_activity rebuilds only the dates whose activity fingerprint
    changed, and int_window_input_fingerprints sums the date fingerprints per snapshot. The rows are hashed
    on the columns the engine reads, so a change to any other column recomputes nothing. -#}
{%- set events_enabled = customer_segmentation.events_enabled() -%}

with

orders_to_date as (

    select * from {{ ref('int_orders_to_date') }}

),
{% if events_enabled %}
events_to_date as (

    select * from {{ ref('int_events_to_date') }}

),
{% endif %}
customers as (

    select * from {{ ref('stg_customers') }}

),

input_rows as (

    select
        order_date as window_date,
        true as is_activity,
        {{ customer_segmentation.row_hash(["'order'", 'customer_id', 'order_date', 'status', 'amount']) }} as row_hash
    from orders_to_date
    {%- if events_enabled %}

    union all

    select
        event_date as window_date,
        true as is_activity,
        -- The core action's name is an input too: changing var `core_action_event` rebuilds every event day.
        {{ customer_segmentation.row_hash([
            "'event'",
            'customer_id',
            'event_date',
            'event_name',
            customer_segmentation.core_action_event_literal(),
        ]) }} as row_hash
    from events_to_date
    {%- endif %}

    union all

    select
        {{ customer_segmentation.to_date('created_at') }} as window_date,
        false as is_activity,
        {{ customer_segmentation.row_hash(["'sign-up'", 'customer_id', 'created_at']) }} as row_hash
    from customers
    where created_at is not null

),

final as (

    select
        window_date,
        max(case when is_activity then 1 else 0 end) = 1 as has_activity,
        {{ customer_segmentation.fingerprint_total('case when is_activity then row_hash end') }}
            as activity_fingerprint,
        {{ customer_segmentation.fingerprint_total('row_hash') }} as inputs_fingerprint
    from input_rows
    group by window_date

)

select * from final
