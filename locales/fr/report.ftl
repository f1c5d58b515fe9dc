amount = { $amount } { $currency }
