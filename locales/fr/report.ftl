# Textes du rapport de session du CPPF (HTML et Markdown), en français.
# Le personnel peut modifier le texte à droite du signe « = » ; gardez les identifiants et les
# { $arguments }. Les fichiers des trois langues doivent avoir les mêmes identifiants (un test le vérifie).

# Devant « : » et à l’intérieur des guillemets, l’espace est insécable (U+00A0) ; devant « ; », fine
# insécable (U+202F), pour qu’aucune ligne ne commence par un signe de ponctuation.

## Page

page-kicker = Rapport au Comité
page-subtitle = Rapport { $name }, révision { $revision }
page-draft-mark = PROJET
page-draft-warning = cette révision n’est pas le rapport officiel de la session ; ses chiffres peuvent encore changer.
page-reading = Les montants sont exprimés dans la monnaie indiquée dans la colonne ou à côté d’eux. Les chiffres marqués † ne sont pas vérifiés. Les annonces de contributions sont énumérées mais non comptabilisées. Une ligne sans taux de change porte la mention « pas de taux » et n’est pas comprise dans les totaux.
page-unverified = non vérifié
page-sections = Sections
page-sha256 = SHA-256 du contenu :
state-draft = Projet
state-final = Définitif
title-scpf-session = { $number ->
    [1] 1re
   *[other] { $number }e
  } session du Comité permanent des programmes et des finances
title-council-session = { $number ->
    [1] 1re
   *[other] { $number }e
  } session du Conseil
session-number = { $number ->
    [1] 1re
   *[other] { $number }e
  } session
body-scpf = Comité permanent des programmes et des finances
body-council = Conseil
two-times = Situation des contributions au { $date } ; chiffres tels que connus le { $instant }

## Mots communs

amount = { $amount } { $currency }
percent = { $value } %
total = Total
yes = oui
no = non
no-rate = pas de taux
not-counted = non comptabilisé
table-none = Néant.
unknown-value = inconnu ({ $value })
date-span = du { $from } au { $to }
instant-by = { $instant } par { $who }
col-in-currency = { $label } ({ $currency })
rate-title = { $base } en { $quote }, { $month }
rate-named = { $title } ({ $source }) : { $rate }

## Énumérations

category-unearmarked = non affecté
category-softly-earmarked = affectation souple
category-earmarked = affecté
category-tightly-earmarked = affectation stricte
modality-a = contribution de base entièrement flexible
modality-b = contribution de base entièrement flexible au CERF
modality-c = contribution de base
modality-d = contribution de base assortie de restrictions
modality-e = destinée à une région ou à un objectif stratégique
modality-f = destinée à un fonds de financement commun pour les pays
modality-g = destinée aux opérations dans un pays
modality-h = destinée à un sous-objectif ou à une cible
modality-i = destinée à un projet précis
modality-j = ciblée géographiquement et thématiquement, liée financièrement
modality-k = ciblée géographiquement et thématiquement, en nature
modality-l = projet à l’initiative du donateur ou contribution dirigée
installment-paid = payée
installment-due = exigible
installment-future = à venir
vote-may-vote = peut voter
vote-lost = droit de vote perdu
vote-maintained = droit de vote maintenu par le Conseil
vote-restored = droit de vote rétabli par le Conseil
vote-payment-plan-honoured = peut voter (plan de paiement respecté)
objective-none = aucun objectif unique
objective-saving-lives = 1 Sauver des vies et protéger les personnes en mouvement
objective-solutions = 2 Trouver des solutions aux déplacements
objective-pathways = 3 Faciliter les voies de migration régulière
level-output = produit
level-outcome = effet
level-impact = impact
issue-missing-rate = taux manquant
issue-unverified-result = résultat non vérifié
issue-overdue-installment = échéance en retard
issue-earmarked-without-programme = fonds affectés sans programme
issue-overpaid-contribution = contribution payée en excédent
issue-pledge-with-receipts = annonce avec encaissements
issue-no-results-in-period = aucun résultat pendant la période
issue-status-date-after-as-of = date de situation postérieure à l’instant des données

## En-têtes de colonnes

col-fact = Élément
col-value = Valeur
col-exchange-rate = Taux de change
col-rate = Taux
col-source = Source
col-revision = Révision
col-member-state = État Membre
col-scale = Barème (%)
col-outstanding-year-start = Arriéré au 1er janvier
col-assessed-in-year = Contributions de l’année
col-received-in-year = Reçu dans l’année
col-outstanding-status-date = Restant dû à la date de situation
col-arrears-prior-years = dont arriérés des années antérieures
col-article-4 = Article 4
col-arrears = Arriérés
col-due-two-preceding-years = Dû pour les deux années précédentes
col-council-informed = Conseil informé le
col-loss-of-vote-from = Perte du droit de vote à partir du
col-vote = Droit de vote
col-plan = Plan
col-agreed = Convenu le
col-due-to-date = Dû à ce jour
col-paid-since-agreed = Payé depuis l’accord
col-honoured = Respecté
col-decision = Décision
col-date = Date
col-council-document = Document du Conseil
col-donor = Donateur
col-category = Catégorie
col-modality = Modalité
col-month = Mois
col-currency = Monnaie
col-amount = Montant
col-paid = Payé
col-committed = Engagé
col-announced = Annoncé le
col-counted = Comptabilisé
col-earmarking-category = Catégorie d’affectation
col-share = Part (%)
col-unearmarked-1 = Non affecté, catégorie 1
col-softly-earmarked-2 = Affectation souple, catégorie 2
col-flexible = Flexible
col-total = Total
col-contribution = Contribution
col-announced-at = Annoncée à la
col-period = Période
col-received = Reçu
col-outstanding = Restant dû
col-due-date = Échéance
col-status = Statut
col-programme = Programme
col-objective = Objectif
col-purpose = Objet
col-indicator = Indicateur
col-breakdown = Ventilation
col-baseline = Valeur de référence
col-target = Cible
col-actual = Réalisé
col-achievement = Taux de réalisation (%)
col-issue = Problème
col-subject = Objet
col-detail = Détail

## 1. Session

heading-session = 1. Session, période considérée et taux de change
fact-session = Session
fact-meeting-dates = Dates de la réunion
fact-reporting-period = Période considérée
fact-status-date = Situation des contributions au
fact-as-of = Chiffres tels que connus le
fact-report = Rapport
fact-revision = Révision
fact-state = État
fact-generated = Établi
fact-finalized = Arrêté
fact-currencies = Monnaies
fact-sha256 = SHA-256 du contenu
not-finalized = non arrêté
currencies = Partie administrative { $administrative }, Partie opérationnelle { $operational }
rates-title = Taux de change utilisés
rates-note = Unités de la monnaie de cotation pour une unité de la monnaie de base.
rates-empty = Aucune conversion n’a été nécessaire.

## 2. Contributions statutaires

heading-assessed = 2. Contributions statutaires (Partie administrative, { $currency })
assessed-none = Aucun État Membre ne figure au barème des quotes-parts ni n’a de contributions statutaires.
assessed-subject-to-article-4 = relève de l’article 4
assessed-subject-count = { $count ->
    [one] { $count } concerné
   *[other] { $count } concernés
  }
assessed-note = Situation des contributions statutaires pour { $year }, en { $currency } : montant restant dû au 1er janvier, contributions de l’année, montants reçus dans l’année et restant dû à la date de situation. Les versements règlent d’abord les contributions les plus anciennes ; les arriérés sont la part non réglée des contributions exigibles avant { $year }. Un montant négatif a été payé d’avance.
assessed-article-4-note = Article 4 de la Constitution : un État Membre dont les arriérés sont égaux ou supérieurs aux contributions dues par lui pour les deux années précédentes perd son droit de vote un an après que le Conseil en a été informé, si ses arriérés atteignent encore ce montant ; le Conseil peut maintenir ou rétablir le droit de vote, et un État Membre qui respecte un plan de paiement le conserve. États Membres relevant de l’article 4 : { $count }.
article-4-title = États Membres relevant de l’article 4
article-4-none = Aucun État Membre ne relève de l’article 4 à la date de situation.
plans-title = États Membres ayant un plan de paiement
plans-none = Aucun État Membre n’a de plan de paiement à la date de situation.
decisions-title = Droits de vote maintenus ou rétablis par le Conseil
decisions-none = Le Conseil n’a maintenu ni rétabli le droit de vote d’aucun État Membre.

## 3. Contributions volontaires

heading-voluntary = 3. Contributions volontaires (Partie opérationnelle, { $currency })
voluntary-by-donor = Par donateur
voluntary-paid-title = Payé pendant la période
voluntary-committed-title = Engagé pendant la période
voluntary-note = Sommes reçues (payé) et accords signés (engagé) pendant la période considérée jusqu’à la date de situation, dans la monnaie d’origine et en { $currency } au taux du mois. Chaque ligne est convertie et arrondie une seule fois ; chaque total est la somme des lignes affichées.
voluntary-pledges-note = Les annonces de contributions sont énumérées mais non comptabilisées.
voluntary-no-rate-note = { $count ->
    [one] Une ligne n’a pas de taux de change : elle porte la mention « pas de taux » au lieu d’un montant en { $currency } et n’est pas comprise dans les totaux (voir la section 9).
   *[other] { $count } lignes n’ont pas de taux de change : elles portent la mention « pas de taux » au lieu d’un montant en { $currency } et ne sont pas comprises dans les totaux (voir la section 9).
  }
pledges-title = Annonces de contributions (non comptabilisées)
pledges-note = Les annonces ne sont que des intentions : énumérées ici, jamais converties ni comptées dans un total.
pledges-none = Aucune contribution n’a été annoncée pendant la période.

## 4. Flexibilité

heading-flexibility = 4. Flexibilité
flexibility-by-category = Par catégorie d’affectation
flexibility-by-modality = Par modalité d’affectation
flexibility-by-donor = Financement flexible par donateur
flexibility-by-donor-none = Aucun financement flexible payé pendant la période.
flexible-total = Flexible (catégories 1 et 2)
flexibility-note = Sommes payées pendant la période par catégorie d’affectation IATI et par modalité du Grand Bargain, en { $currency }. Les parts sont des pourcentages du total à une décimale, arrondis de sorte que leur somme soit exactement 100,0.
flexibility-flexible-note = Financement flexible (catégories 1 et 2) : { $amount }, soit { $share } % du total.

## 5. Engagements pluriannuels et annexe

heading-multi-year = 5. Engagements pluriannuels
multi-year-by-year = Restant dû par donateur et par année ({ $currency })
multi-year-none = Aucun engagement pluriannuel restant dû.
multi-year-note = Contributions engagées au plus tard à la date de situation dont les échéances s’étendent sur plus d’une année : montant non réglé à la date de situation, par donateur et par année d’échéance, converti en { $currency } au taux du mois de la date de situation. Chaque échéancier figure en annexe.
multi-year-no-rate-note = Les versements reçus jusqu’à la date de situation règlent les échéances dans leur ordre. Un échéancier sans taux n’est pas compris dans ce tableau (voir la section 9).
heading-annex-schedules = Annexe : échéanciers
annex-schedules-title = Échéanciers
annex-schedules-none = Aucun engagement pluriannuel.
annex-installments-title = Échéances
annex-installments-none = Aucune échéance.
annex-note = Les échéanciers de la section 5, dans la monnaie de l’accord ; le montant restant dû à la date de situation est converti en { $currency } au taux de son mois. Un échéancier sans taux porte la mention « pas de taux » et n’est pas compris dans le total.
annex-installments-note = Les versements reçus jusqu’à la date de situation règlent les échéances dans leur ordre. Une échéance est payée, exigible (à la date de situation ou avant, et non entièrement réglée à cette date) ou à venir.
heading-annex-pledges = Annexe : annonces de contributions
heading-annex-overdue = Annexe : échéances en retard
heading-annex-changes = Annexe : changements relatifs aux contributions
annex-changes-note = Tous les changements relatifs aux contributions depuis le rapport définitif de la session précédente, dans l’ordre des identifiants des contributions.
heading-annex-quality = Annexe : contributions versées au-delà de leur montant et annonces avec encaissements

## 6. Utilisation des fonds non affectés

heading-unearmarked = 6. Utilisation des fonds non affectés
unearmarked-received = Fonds non affectés reçus pendant la période
unearmarked-allocated = Alloué
unearmarked-unallocated = Non alloué
allocations-title = Allocations
allocations-none = Aucune allocation n’a été décidée pendant la période.
allocation-objective-wide = objectif entier
objectives-title = Par objectif du Cadre de résultats stratégiques
unearmarked-note = Fonds non affectés (catégorie 1) payés pendant la période, et allocations décidées pendant celle-ci, en { $currency }. Le non-alloué est la différence entre le reçu et l’alloué ; il est négatif lorsque les allocations dépassent les sommes reçues pendant la période.

## 7. Résultats des programmes

heading-results = 7. Résultats des programmes
results-objective = Objectif : { $objective }.
results-no-indicator = Aucun indicateur.
results-none = Aucun programme n’a d’indicateurs.
results-cumulative = cumulatif
results-unit = en { $unit }
results-no-measurement = aucune mesure pendant la période
results-total = total
results-note-figures = Pour un indicateur cumulatif, les chiffres sont ceux de la dernière période se terminant au plus tard à la fin de la période considérée ; sinon, ce sont les sommes des périodes comprises dans celle-ci. Le taux de réalisation mesure le progrès de la valeur de référence vers la cible, dans le sens favorable.
results-note-unverified = Les chiffres marqués † ne sont pas vérifiés : au moins une des mesures dont ils proviennent n’a pas été vérifiée.

## 8. Changements

heading-changes = 8. Changements depuis le rapport définitif de la session précédente
changes-no-previous = Il n’y a pas de rapport définitif précédent avec lequel comparer.
col-change = Changement
changes-none = Rien n’a changé.
changes-note = Ce qui a changé depuis { $report }, le rapport définitif de la session précédente (situation au { $date }) : la situation d’un même État Membre, l’échéancier d’une même contribution et les totaux d’une même année. Les montants versés pendant la période propre à chaque rapport ne sont pas comparés.
changes-note-session = Ce qui a changé depuis le rapport définitif de la { $session } ({ $dates }), arrêté le { $final }, qui donnait la situation des contributions au { $date } : la situation d’un même État Membre, l’échéancier d’une même contribution et les totaux d’une même année. Les montants versés pendant la période propre à chaque rapport ne sont pas comparés.
changes-some-listed = { $listed } des { $total } changements relatifs aux contributions figurent ici ; les exportations les donnent tous.
change-from-to = { $old } → { $new } { $currency }
change-outstanding = { $name } : montant restant dû { $change }
change-arrears = { $name } : arriérés { $change }
change-article-4-now = { $name } : désormais visé par l’article 4
change-article-4-no-longer = { $name } : n’est plus visé par l’article 4
change-installment-received = { $name } : versement de { $year } de { $amount } désormais reçu
change-installment-partly-received = { $name } : versement de { $year }, reçu { $change }
change-installment-added = { $name } : nouveau versement de { $year } de { $amount } dû le { $date }
change-installment-removed = { $name } : versement de { $year } de { $amount } dû le { $date } retiré de l’échéancier
change-installment-amount = { $name } : versement de { $year } { $change }
change-contribution-total = { $name } : total de la contribution { $change }
change-new-contribution = Nouvelle contribution : { $name } { $amount }{ $period }
change-new-pledge = Nouvelle annonce : { $name } { $amount }{ $period }
change-removed-contribution = N’est plus enregistrée : contribution de { $name } de { $amount }{ $period }
change-removed-pledge = N’est plus enregistrée : annonce de { $name } de { $amount }{ $period }
change-pledge-committed = { $name } : l’annonce de { $amount }{ $period } est désormais un engagement
change-total-assessed = Contributions statutaires dues pour { $year } : { $change }
change-total-assessed-received = Contributions statutaires reçues en { $year } : { $change }
change-total-assessed-outstanding = Contributions statutaires restant dues : { $change }
change-total-arrears = Arriérés de l’ensemble des États Membres : { $change }
change-total-multi-year = Engagements pluriannuels restant dus : { $change }
change-total-other = Un total : { $change }
change-unspecified = { $name } : modifié

## 9. Qualité des données

heading-data-quality = 9. Qualité des données
quality-none = Rien ne manque et rien n’est douteux.
quality-note = Ce qui manque ou est douteux dans les données de ce rapport : taux manquants, résultats non vérifiés, échéances en retard, etc.

## Graphiques

chart-donors-title = Sommes payées pendant la période par donateur, en { $currency }
chart-donors-desc = Barres horizontales, de la plus grande à la plus petite. { $bars }. Total { $total }.
chart-donors-caption = Sommes payées pendant la période par donateur, en { $currency }, par ordre décroissant (total { $total }).
chart-flexibility-title = Parts des sommes payées pendant la période par catégorie d’affectation
chart-flexibility-desc = Barres horizontales de pourcentages dont la somme est 100. { $bars }. Flexible (catégories 1 et 2) : { $share } %.
chart-flexibility-axis = Part des sommes payées (%)
chart-flexibility-caption = Parts par catégorie d’affectation ; le financement flexible (catégories 1 et 2) représente { $share } %.
chart-achievement-title = Taux de réalisation de chaque indicateur par rapport à sa cible
chart-achievement-desc = Barres horizontales du taux de réalisation en pourcentage, avec une ligne pointillée à 100 % (cible atteinte). { $bars }.
chart-achievement-target = cible (100 %)
chart-achievement-caption = Taux de réalisation par indicateur (totaux). La ligne pointillée marque 100 % ; les barres pâles marquées † reposent sur des chiffres non vérifiés.
chart-schedules-title = Échéanciers pluriannuels en { $currency }, par année : payé, exigible et à venir
chart-schedules-desc = Barres empilées, une par année d’échéance ({ $years }), pour { $count ->
    [one] un échéancier
   *[other] { $count } échéanciers
  } en { $currency } : la part payée, la part exigible non réglée et la part à venir. Chaque échéance figure en annexe.
chart-schedules-axis = Année d’échéance
chart-schedules-caption = Échéances en { $currency } par année d’échéance : payé, exigible non réglé, à venir.

## Instants, sources des taux et phrases de la qualité des données

instant-utc = { $instant } UTC
rate-source-un-operational = taux de change opérationnels de l’ONU
quality-missing-rate-received = Aucun taux { $currency }/{ $quote } pour { $month } : les sommes reçues en { $currency } ce mois-là sont exclues des totaux en { $quote }.
quality-missing-rate-commitments = Aucun taux { $currency }/{ $quote } pour { $month } : les engagements en { $currency } de ce mois-là sont exclus des totaux en { $quote }.
quality-missing-rate-outstanding = Aucun taux { $currency }/{ $quote } pour { $month } : les soldes pluriannuels restant dus en { $currency } sont exclus des totaux en { $quote }.
quality-overdue-installment = { $name } : sur le versement échu le { $due }, { $amount } restent impayés au { $date }.
quality-overpaid-contribution = { $name } : { $amount } reçus pour un total de { $total }.
quality-pledge-with-receipts = { $name } : { $amount } reçus au titre d’une contribution encore enregistrée comme annonce.
quality-no-results = { $name } : aucune mesure pour la période considérée.
quality-unverified-result = { $name } : les chiffres du { $from } au { $to } ne sont pas vérifiés.
quality-status-date-after-as-of = La date de situation, le { $date }, est postérieure à la date à laquelle les chiffres sont connus ({ $known }) : les sommes reçues ou dues après cette date ne sont pas encore enregistrées.
