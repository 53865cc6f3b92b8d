with

accounts as (

    select * from {{ ref('base_accounts') }}

),

final as (

    select
        account_id,
        customer_id,
        plan,
        opened_at
    from accounts
    where rejection_reason is null

)

select * from final
