amount = { $currency } { $amount }
