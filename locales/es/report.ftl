# Textos del informe de reunión del CPPF (HTML y Markdown), en español.
# El personal puede modificar el texto a la derecha del signo «=»; conserve los identificadores y
# los { $argumentos }. Los archivos de los tres idiomas deben tener los mismos identificadores (una prueba lo verifica).

## Página

page-kicker = Informe al Comité
page-subtitle = Informe { $name }, revisión { $revision }
page-draft-mark = BORRADOR
page-draft-warning = esta revisión no es el informe oficial de la reunión; sus cifras aún pueden cambiar.
page-reading = Los importes se expresan en la moneda indicada en la columna o junto a ellos. Las cifras marcadas con † no están verificadas. Los anuncios de contribuciones se enumeran pero no se contabilizan. Una línea sin tipo de cambio indica «sin tipo de cambio» y queda fuera de los totales.
page-unverified = no verificado
page-sections = Secciones
page-sha256 = SHA-256 del contenido:
state-draft = Borrador
state-final = Definitivo
title-scpf-session = { $number }ª Reunión del Comité Permanente de Programas y Finanzas
title-council-session = { $number }ª Reunión del Consejo
session-number = { $number }ª Reunión
body-scpf = Comité Permanente de Programas y Finanzas
body-council = Consejo
two-times = Situación de las contribuciones al { $date }; cifras según lo conocido el { $instant }

## Palabras comunes

amount = { $amount } { $currency }
percent = { $value } %
total = Total
yes = sí
no = no
no-rate = sin tipo de cambio
not-counted = no contabilizado
table-none = Ninguno.
unknown-value = desconocido ({ $value })
date-span = del { $from } al { $to }
instant-by = { $instant } por { $who }
col-in-currency = { $label } ({ $currency })
rate-title = { $base } a { $quote }, { $month }
rate-named = { $title } ({ $source }): { $rate }

## Enumeraciones

category-unearmarked = no asignada
category-softly-earmarked = asignación flexible
category-earmarked = asignada
category-tightly-earmarked = asignación estricta
modality-a = contribución básica totalmente flexible
modality-b = contribución básica totalmente flexible al CERF
modality-c = contribución básica
modality-d = contribución básica con limitaciones
modality-e = destinada a una región o a un objetivo estratégico
modality-f = destinada a un fondo mancomunado de país
modality-g = destinada a las operaciones en un país
modality-h = destinada a un subobjetivo o una meta
modality-i = destinada a un proyecto concreto
modality-j = dirigida geográfica y temáticamente, vinculada financieramente
modality-k = dirigida geográfica y temáticamente, en especie
modality-l = proyecto iniciado por el donante o contribución dirigida
installment-paid = pagado
installment-due = vencido
installment-future = futuro
vote-may-vote = puede votar
vote-lost = derecho de voto perdido
vote-maintained = derecho de voto mantenido por el Consejo
vote-restored = derecho de voto restablecido por el Consejo
vote-payment-plan-honoured = puede votar (plan de pagos cumplido)
objective-none = ningún objetivo único
objective-saving-lives = 1 Salvar vidas y proteger a las personas en movimiento
objective-solutions = 2 Impulsar soluciones al desplazamiento
objective-pathways = 3 Facilitar vías para la migración regular
level-output = producto
level-outcome = efecto
level-impact = impacto
issue-missing-rate = falta el tipo de cambio
issue-unverified-result = resultado no verificado
issue-overdue-installment = plazo vencido
issue-earmarked-without-programme = fondos asignados sin programa
issue-overpaid-contribution = contribución pagada en exceso
issue-pledge-with-receipts = anuncio con cobros
issue-no-results-in-period = sin resultados en el período
issue-status-date-after-as-of = fecha de situación posterior al momento de los datos

## Encabezados de columnas

col-fact = Dato
col-value = Valor
col-exchange-rate = Tipo de cambio
col-rate = Tipo
col-source = Fuente
col-revision = Revisión
col-member-state = Estado Miembro
col-scale = Escala (%)
col-outstanding-year-start = Pendiente al 1 de enero
col-assessed-in-year = Prorrateado para el año
col-received-in-year = Recibido en el año
col-outstanding-status-date = Pendiente en la fecha de situación
col-arrears-prior-years = de ello, atrasos de años anteriores
col-article-4 = Artículo 4
col-arrears = Atrasos
col-due-two-preceding-years = Adeudado por los dos años anteriores
col-council-informed = Consejo informado el
col-loss-of-vote-from = Pérdida del voto desde
col-vote = Voto
col-plan = Plan
col-agreed = Acordado el
col-due-to-date = Adeudado a la fecha
col-paid-since-agreed = Pagado desde el acuerdo
col-honoured = Cumplido
col-decision = Decisión
col-date = Fecha
col-council-document = Documento del Consejo
col-donor = Donante
col-category = Categoría
col-modality = Modalidad
col-month = Mes
col-currency = Moneda
col-amount = Importe
col-paid = Pagado
col-committed = Comprometido
col-announced = Anunciado el
col-counted = Contabilizado
col-earmarking-category = Categoría de asignación
col-share = Porcentaje (%)
col-unearmarked-1 = No asignado, categoría 1
col-softly-earmarked-2 = Asignación flexible, categoría 2
col-flexible = Flexible
col-total = Total
col-contribution = Contribución
col-announced-at = Anunciada en la
col-period = Período
col-received = Recibido
col-outstanding = Pendiente
col-due-date = Vencimiento
col-status = Estado
col-programme = Programa
col-objective = Objetivo
col-purpose = Finalidad
col-indicator = Indicador
col-breakdown = Desglose
col-baseline = Valor de referencia
col-target = Meta
col-actual = Logrado
col-achievement = Grado de consecución (%)
col-issue = Problema
col-subject = Objeto
col-detail = Detalle

## 1. Reunión

heading-session = 1. Reunión, período que abarca el informe y tipos de cambio
fact-session = Reunión
fact-meeting-dates = Fechas de la reunión
fact-reporting-period = Período que abarca el informe
fact-status-date = Situación de las contribuciones al
fact-as-of = Cifras según lo conocido el
fact-report = Informe
fact-revision = Revisión
fact-state = Estado
fact-generated = Elaborado
fact-finalized = Aprobado como definitivo
fact-currencies = Monedas
fact-sha256 = SHA-256 del contenido
not-finalized = no definitivo
currencies = Parte de Administración { $administrative }, Parte de Operaciones { $operational }
rates-title = Tipos de cambio utilizados
rates-note = Unidades de la moneda de cotización por unidad de la moneda base.
rates-empty = No fue necesaria ninguna conversión.

## 2. Contribuciones prorrateadas

heading-assessed = 2. Contribuciones prorrateadas (Parte de Administración, { $currency })
assessed-none = Ningún Estado Miembro figura en la escala de cuotas ni tiene contribuciones prorrateadas.
assessed-subject-to-article-4 = sujeto al Artículo 4
assessed-subject-count = { $count ->
    [one] { $count } sujeto
   *[other] { $count } sujetos
  }
assessed-note = Situación de las contribuciones prorrateadas de { $year }, en { $currency }: lo pendiente al 1 de enero, lo prorrateado para el año, lo recibido en el año y lo pendiente en la fecha de situación. Los pagos saldan primero las contribuciones más antiguas; los atrasos son lo que queda sin pagar de las contribuciones exigibles antes de { $year }. Un importe negativo se pagó por adelantado.
assessed-article-4-note = Artículo 4 de la Constitución: un Estado Miembro cuyos atrasos igualen o superen las contribuciones adeudadas por él correspondientes a los dos años anteriores pierde su derecho de voto un año después de que se haya informado al Consejo, si sus atrasos siguen alcanzando ese monto; el Consejo puede mantener o restablecer el derecho de voto, y un Estado Miembro que cumpla un plan de pagos lo conserva. Estados Miembros sujetos al Artículo 4: { $count }.
article-4-title = Estados Miembros sujetos al Artículo 4
article-4-none = Ningún Estado Miembro está sujeto al Artículo 4 en la fecha de situación.
plans-title = Estados Miembros con planes de pago
plans-none = Ningún Estado Miembro tiene un plan de pagos en la fecha de situación.
decisions-title = Derechos de voto mantenidos o restablecidos por el Consejo
decisions-none = El Consejo no ha mantenido ni restablecido el derecho de voto de ningún Estado Miembro.

## 3. Contribuciones voluntarias

heading-voluntary = 3. Contribuciones voluntarias (Parte de Operaciones, { $currency })
voluntary-by-donor = Por donante
voluntary-paid-title = Pagado en el período
voluntary-committed-title = Comprometido en el período
voluntary-note = Fondos recibidos (pagado) y acuerdos firmados (comprometido) en el período que abarca el informe hasta la fecha de situación, en la moneda original y en { $currency } al tipo de cambio del mes. Cada línea se convierte y redondea una sola vez; cada total es la suma de las líneas mostradas.
voluntary-pledges-note = Los anuncios de contribuciones se enumeran pero no se contabilizan.
voluntary-no-rate-note = { $count ->
    [one] Una línea no tiene tipo de cambio: indica «sin tipo de cambio» en lugar de un importe en { $currency } y queda fuera de los totales (véase la sección 9).
   *[other] { $count } líneas no tienen tipo de cambio: indican «sin tipo de cambio» en lugar de un importe en { $currency } y quedan fuera de los totales (véase la sección 9).
  }
pledges-title = Anuncios de contribuciones (no contabilizados)
pledges-note = Los anuncios son intenciones: se enumeran aquí, nunca se convierten ni se cuentan en un total.
pledges-none = No se anunció ninguna contribución en el período.

## 4. Flexibilidad

heading-flexibility = 4. Flexibilidad
flexibility-by-category = Por categoría de asignación
flexibility-by-modality = Por modalidad de asignación
flexibility-by-donor = Financiación flexible por donante
flexibility-by-donor-none = No se pagó financiación flexible en el período.
flexible-total = Flexible (categorías 1 y 2)
flexibility-note = Fondos pagados en el período por categoría de asignación de la IATI y por modalidad del Gran Pacto, en { $currency }. Los porcentajes del total tienen un decimal y se redondean de modo que sumen exactamente 100,0.
flexibility-flexible-note = Financiación flexible (categorías 1 y 2): { $amount }, el { $share } % del total.

## 5. Compromisos plurianuales y anexo

heading-multi-year = 5. Compromisos plurianuales
multi-year-by-year = Pendiente por donante y año ({ $currency })
multi-year-none = Ningún compromiso plurianual pendiente.
multi-year-note = Contribuciones comprometidas hasta la fecha de situación cuyos plazos abarcan más de un año: lo que queda sin pagar en la fecha de situación, por donante y por año de vencimiento de los plazos, convertido a { $currency } al tipo de cambio del mes de la fecha de situación. Cada calendario figura en el anexo.
multi-year-no-rate-note = Los pagos recibidos hasta la fecha de situación saldan los plazos por orden de vencimiento. Un calendario sin tipo de cambio queda fuera de este cuadro (véase la sección 9).
heading-annex-schedules = Anexo: calendarios de pago
annex-schedules-title = Calendarios de pago
annex-schedules-none = Ningún compromiso plurianual.
annex-installments-title = Plazos
annex-installments-none = Ningún plazo.
annex-note = Los calendarios de la sección 5, en la moneda del acuerdo; el importe pendiente en la fecha de situación se convierte a { $currency } al tipo de cambio de su mes. Un calendario sin tipo de cambio indica «sin tipo de cambio» y queda fuera del total.
annex-installments-note = Los pagos recibidos hasta la fecha de situación saldan los plazos por orden de vencimiento. Un plazo está pagado, vencido (en la fecha de situación o antes, y no pagado por completo en ella) o es futuro.
heading-annex-pledges = Anexo: promesas de contribución
heading-annex-overdue = Anexo: plazos vencidos
heading-annex-changes = Anexo: cambios en las contribuciones
annex-changes-note = Todos los cambios en las contribuciones desde el informe definitivo de la reunión anterior, en el orden de los identificadores de las contribuciones.
heading-annex-quality = Anexo: contribuciones con pagos superiores al total y promesas con ingresos

## 6. Utilización de los fondos no asignados

heading-unearmarked = 6. Utilización de los fondos no asignados
unearmarked-received = Fondos no asignados recibidos en el período
unearmarked-allocated = Asignado
unearmarked-unallocated = Sin asignar
allocations-title = Asignaciones
allocations-none = No se decidió ninguna asignación en el período.
allocation-objective-wide = todo el objetivo
objectives-title = Por objetivo del Marco de Resultados Estratégicos
unearmarked-note = Fondos no asignados (categoría 1) pagados en el período, y las asignaciones decididas en él, en { $currency }. Lo no asignado es lo recibido menos lo asignado; es negativo cuando se asignó más de lo recibido en el período.

## 7. Resultados de los programas

heading-results = 7. Resultados de los programas
results-objective = Objetivo: { $objective }.
results-no-indicator = Ningún indicador.
results-none = Ningún programa tiene indicadores.
results-cumulative = acumulativo
results-unit = en { $unit }
results-no-measurement = ninguna medición en el período
results-total = total
results-note-figures = Para un indicador acumulativo, las cifras son las del último período que termina a más tardar al final del período que abarca el informe; en los demás casos, son las sumas de los períodos comprendidos en él. El grado de consecución es el avance del valor de referencia hacia la meta, en el sentido favorable.
results-note-unverified = Las cifras marcadas con † no están verificadas: al menos una de las mediciones en que se basan no ha sido verificada.

## 8. Cambios

heading-changes = 8. Cambios desde el informe definitivo de la reunión anterior
changes-no-previous = No hay un informe definitivo anterior con el que comparar.
col-change = Cambio
changes-none = Nada ha cambiado.
changes-note = Lo que cambió desde { $report }, el informe definitivo de la reunión anterior (situación al { $date }): la situación de un mismo Estado Miembro, el calendario de una misma contribución y los totales de un mismo año. No se comparan los importes pagados en el período propio de cada informe.
changes-note-session = Lo que cambió desde el informe definitivo de la { $session } ({ $dates }), aprobado como definitivo el { $final }, que daba la situación de las contribuciones al { $date }: la situación de un mismo Estado Miembro, el calendario de una misma contribución y los totales de un mismo año. No se comparan los importes pagados en el período propio de cada informe.
changes-some-listed = Aquí figuran { $listed } de los { $total } cambios en las contribuciones; las exportaciones los incluyen todos.
change-from-to = { $old } → { $new } { $currency }
change-outstanding = { $name }: saldo pendiente { $change }
change-arrears = { $name }: atrasos { $change }
change-article-4-now = { $name }: ahora sujeto al artículo 4
change-article-4-no-longer = { $name }: ya no está sujeto al artículo 4
change-installment-received = { $name }: cuota de { $year } de { $amount } ya recibida
change-installment-partly-received = { $name }: cuota de { $year }, recibido { $change }
change-installment-added = { $name }: nueva cuota de { $year } de { $amount } con vencimiento el { $date }
change-installment-removed = { $name }: la cuota de { $year } de { $amount } con vencimiento el { $date } ya no está prevista
change-installment-amount = { $name }: cuota de { $year } { $change }
change-contribution-total = { $name }: total de la contribución { $change }
change-new-contribution = Nueva contribución: { $name } { $amount }{ $period }
change-new-pledge = Nuevo anuncio: { $name } { $amount }{ $period }
change-removed-contribution = Ya no registrada: contribución de { $name } de { $amount }{ $period }
change-removed-pledge = Ya no registrado: anuncio de { $name } de { $amount }{ $period }
change-pledge-committed = { $name }: el anuncio de { $amount }{ $period } es ahora un compromiso
change-total-assessed = Contribuciones prorrateadas adeudadas para { $year }: { $change }
change-total-assessed-received = Contribuciones prorrateadas recibidas en { $year }: { $change }
change-total-assessed-outstanding = Contribuciones prorrateadas pendientes: { $change }
change-total-arrears = Atrasos del conjunto de los Estados Miembros: { $change }
change-total-multi-year = Compromisos plurianuales pendientes: { $change }
change-total-other = Un total: { $change }
change-unspecified = { $name }: modificado

## 9. Calidad de los datos

heading-data-quality = 9. Calidad de los datos
quality-none = No falta nada ni hay nada dudoso.
quality-note = Lo que falta o es dudoso en los datos de este informe: tipos de cambio que faltan, resultados no verificados, plazos vencidos y similares.

## Gráficos

chart-donors-title = Fondos pagados en el período por donante, en { $currency }
chart-donors-desc = Barras horizontales, de mayor a menor. { $bars }. Total { $total }.
chart-donors-caption = Fondos pagados en el período por donante, en { $currency }, de mayor a menor (total { $total }).
chart-flexibility-title = Porcentajes de los fondos pagados en el período por categoría de asignación
chart-flexibility-desc = Barras horizontales de porcentajes que suman 100. { $bars }. Flexible (categorías 1 y 2): { $share } %.
chart-flexibility-axis = Porcentaje de los fondos pagados (%)
chart-flexibility-caption = Porcentajes por categoría de asignación; la financiación flexible (categorías 1 y 2) es el { $share } %.
chart-achievement-title = Grado de consecución de cada indicador respecto de su meta
chart-achievement-desc = Barras horizontales del grado de consecución en porcentaje, con una línea discontinua en el 100 % (meta alcanzada). { $bars }.
chart-achievement-target = meta (100 %)
chart-achievement-caption = Grado de consecución por indicador (totales). La línea discontinua marca el 100 %; las barras claras marcadas con † se basan en cifras no verificadas.
chart-schedules-title = Calendarios plurianuales en { $currency }, por año: pagado, vencido y futuro
chart-schedules-desc = Barras apiladas, una por año de vencimiento de los plazos ({ $years }), para { $count ->
    [one] un calendario
   *[other] { $count } calendarios
  } en { $currency }: la parte pagada, la parte vencida y no pagada, y la parte futura. Cada plazo figura en el anexo.
chart-schedules-axis = Año de vencimiento
chart-schedules-caption = Plazos en { $currency } por año de vencimiento: pagado, vencido no pagado, futuro.

## Instantes, fuentes de los tipos de cambio y frases de la calidad de los datos

instant-utc = { $instant } UTC
rate-source-un-operational = tipos de cambio operacionales de las Naciones Unidas
quality-missing-rate-received = No hay tipo de cambio { $currency }/{ $quote } para { $month }: el dinero recibido en { $currency } ese mes queda fuera de los totales en { $quote }.
quality-missing-rate-commitments = No hay tipo de cambio { $currency }/{ $quote } para { $month }: los compromisos en { $currency } de ese mes quedan fuera de los totales en { $quote }.
quality-missing-rate-outstanding = No hay tipo de cambio { $currency }/{ $quote } para { $month }: los saldos plurianuales pendientes en { $currency } quedan fuera de los totales en { $quote }.
quality-overdue-installment = { $name }: de la cuota con vencimiento el { $due }, quedan { $amount } sin pagar al { $date }.
quality-overpaid-contribution = { $name }: { $amount } recibidos frente a un total de { $total }.
quality-pledge-with-receipts = { $name }: { $amount } recibidos para una contribución todavía registrada como promesa.
quality-no-results = { $name }: ninguna medición para el período del informe.
quality-unverified-result = { $name }: las cifras del { $from } al { $to } no están verificadas.
quality-status-date-after-as-of = La fecha de situación, { $date }, es posterior a la fecha en que se conocen las cifras ({ $known }): el dinero recibido o adeudado después de esa fecha aún no está registrado.
