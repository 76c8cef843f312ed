"""What the sample matter says: the story's numbers, the email threads, the single
emails, the attachments and loose files, each with its ground-truth coding.

Issue codes: PRICING, DEFECT, DELIVERY, CONTRACT, DAMAGES (see generator.sample_matter_config).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from .cast import LEGEND_WP
from .render import DocSpec
from .script import AC, AEO, CONF, NOISE, NOT_PRIV, WP, Att, Coding, Loose, M, Single, Thread

# Partial privilege is never set by hand: it follows from M.priv_para and "priv" blocks.


def money(x: float) -> str:
    return f"{x:,.2f}"


def long_date(d: date | datetime) -> str:
    return f"{d:%B} {d.day}, {d.year}"


def short_date(d: date | datetime) -> str:
    return f"{d.month}/{d.day}/{d.year}"


def _bday(d: date | datetime, days: int) -> date:
    """d plus `days` calendar days, moved forward off a weekend."""
    d = (d if isinstance(d, date) and not isinstance(d, datetime) else d.date()) + timedelta(days=days)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


# --------------------------------------------------------------------------- the story

def make_story(rng) -> dict:
    """Facts every document agrees on (prices, dates, lots), drawn once per seed."""
    unit = 184.50
    pct = rng.choice([7.5, 8.5, 9.25])
    vol = rng.choice([42000, 46000, 48000])
    lot_start = rng.randint(26, 28)
    n_returns = rng.randint(310, 380)
    return {
        "unit": money(unit),
        "unit_f": unit,
        "gx250_unit": money(142.75),
        "pct": f"{pct:g}",
        "pct_f": pct,
        "pct2": rng.choice(["11", "12.5", "13"]),
        "eff": "July 1, 2023",
        "eff2": "March 1, 2024",
        "msa_date": "February 6, 2023",
        "vol": f"{vol:,}",
        "vol_i": vol,
        "impact": money(vol * unit * pct / 100),
        "magnet_pct": str(rng.choice([38, 42, 47, 55])),
        "alum_pct": str(rng.choice([14, 17, 21])),
        "change_month": "June 2023",
        "first_lot": f"G23{lot_start}A",
        "last_lot": f"G23{lot_start + rng.randint(16, 19)}C",
        "n_returns": str(n_returns),
        "n_returns2": str(n_returns + rng.randint(20, 60)),
        "recovery_code": "GX-RECOVERY",
        "init_unit": money(unit + rng.choice([11.25, 13.80, 16.40])),
        "tooling": money(rng.choice([68500, 74000, 82250])),
    }


def _lot(rng, st, lo=0, hi=15) -> str:
    base = int(st["first_lot"][3:5])
    return f"G23{base + rng.randint(lo, hi)}{rng.choice('ABC')}"


# --------------------------------------------------------------------------- thread params

def p_surcharge(rng, pii, st, start):
    second = start.year == 2024
    pct = st["pct2"] if second else st["pct"]
    eff = st["eff2"] if second else st["eff"]
    impact = st["vol_i"] * st["unit_f"] * float(pct) / 100
    return {"spct": pct, "seff": eff, "simpact": money(impact),
            "next_q": "Q2 2024" if second else "the third quarter",
            "weeks_stock": str(rng.randint(3, 7)),
            "subj": "Revised raw material surcharge effective " + eff if second
            else "Raw material surcharge - GX-400 and GX-250 actuator assemblies",
            "notice_no": f"{start:%y}-{rng.randint(10, 99)}"}


def p_shortpay(rng, pii, st, start):
    qty = rng.choice([1200, 1500, 1800, 2400, 3000])
    pct = st["pct2"] if start >= datetime(2024, 3, 1) else st["pct"]
    base = qty * st["unit_f"]
    sur = base * float(pct) / 100
    return {"inv": f"GX-{rng.randint(231000, 249999)}", "po": f"4500{rng.randint(100000, 999999)}",
            "qty": f"{qty:,}", "base": money(base), "sur": money(sur), "total": money(base + sur),
            "ipct": pct, "pay_run": rng.choice(["Tuesday", "Thursday", "Friday"]),
            "running": money(sur * rng.uniform(3.2, 7.5))}


def p_defect(rng, pii, st, start):
    n_tested = rng.choice([240, 300, 360, 480])
    n_fail = rng.randint(9, 31)
    field_units = rng.randint(14000, 26000)
    return {"lot": _lot(rng, st, 0, 6), "lot2": _lot(rng, st, 9, 15), "n_fail": str(n_fail),
            "n_tested": str(n_tested), "rate": f"{100 * n_fail / n_tested:.1f}",
            "lot_qty": f"{rng.choice([1200, 1500, 1800]):,}", "line": str(rng.randint(2, 4)),
            "scar": f"{start:%y}-{rng.randint(101, 180)}",
            "tracking": "".join(str(rng.randint(0, 9)) for _ in range(12)),
            "fail_found": str(rng.randint(14, 19)),
            "field_units": f"{field_units:,}",
            "field_fail": f"{int(field_units * rng.uniform(0.02, 0.045)):,}",
            "rework_cost": money(field_units * rng.uniform(9.5, 14.0))}


def p_customer(rng, pii, st, start):
    return {"n_field": str(rng.randint(28, 64)), "model": rng.choice(["NF-5100", "NF-6200", "NF-7400"]),
            "weeks": str(rng.randint(5, 9)), "chargeback": money(rng.randint(180, 420) * 1000 + 0.0),
            "deadline": long_date(_bday(start, 10)), "rma": f"RMA-{rng.randint(40000, 49999)}"}


def p_allocation(rng, pii, st, start):
    qty = rng.choice([3000, 3600, 4200])
    partial = qty * rng.choice([30, 40, 50]) // 100
    weeks = rng.randint(4, 7)
    orig = _bday(start, rng.randint(12, 20))
    return {"po": f"4500{rng.randint(100000, 999999)}", "qty": f"{qty:,}", "partial": f"{partial:,}",
            "weeks": str(weeks), "orig_date": long_date(orig), "date1": long_date(_bday(orig, 3)),
            "date2": long_date(_bday(orig, 7 * weeks)), "lead": str(rng.randint(10, 14)),
            "line": str(rng.randint(2, 4)), "runout": long_date(_bday(orig, 9)),
            "runout2": long_date(_bday(orig, 16)),
            "overtime": money(rng.randint(40, 95) * 1000 + 0.0), "airfreight": money(rng.randint(18, 36) * 1000 + 0.0)}


def p_cover(rng, pii, st, start):
    init = float(st["init_unit"].replace(",", ""))
    delta = init - st["unit_f"]
    return {"quote": f"{start:%y}{rng.randint(1000, 9999)}", "qty": f"{rng.choice([4000, 5000, 6000]):,}",
            "delta": money(delta), "annual_delta": money(delta * st["vol_i"])}


def p_notice(rng, pii, st, start):
    return {"n_line": str(rng.randint(120, 190)), "lot": st["first_lot"], "lot2": st["last_lot"]}


def p_qbr(rng, pii, st, start):
    qbr = _bday(start, 14)
    return {"qbr_date": long_date(qbr), "otd": str(rng.randint(61, 78)),
            "q": str((start.month - 1) // 3 + 1)}


def p_warranty(rng, pii, st, start):
    units = rng.randint(2200, 4800)
    claim = units * st["unit_f"] * rng.uniform(2.6, 3.4)
    credit = units * st["unit_f"]
    return {"wc": f"{start:%y}{rng.randint(100, 999)}", "lot": _lot(rng, st, 0, 5), "lot2": _lot(rng, st, 10, 16),
            "claim": money(claim), "credit": money(credit), "units_credited": f"{units:,}",
            "balance": money(claim - credit)}


def p_fantasy(rng, pii, st, start):
    players = ["Bijan Robinson", "CeeDee Lamb", "Travis Kelce", "Puka Nacua", "Josh Allen",
               "Breece Hall", "Tyreek Hill", "Sam LaPorta", "Kyren Williams", "Jalen Hurts"]
    teams = ["Dayton Torque", "Kettering Gearheads", "Line 3 Legends", "The Spreadsheet Kings",
             "Forklift Certified", "Bearing Down"]
    p = rng.sample(players, 3)
    t = rng.sample(teams, 3)
    return {"wk": str(rng.randint(5, 12)), "p1": p[0], "p2": p[1], "p3": p[2], "t1": t[0], "t2": t[1],
            "t3": t[2], "pts1": f"{rng.uniform(118, 151):.1f}", "pts2": f"{rng.uniform(152, 170):.1f}",
            "round": str(rng.randint(3, 6)), "ff_email": pii.personal_email("bholt.ffl@gmail.com"),
            "deadline": rng.choice(["Tuesday at noon", "Wednesday night", "Friday at 5"])}


def p_lunch(rng, pii, st, start):
    places = ["Thai Kitchen on Brown St", "the taco truck by Gate 2", "Bucca on Wilmington Pike",
              "Smokin' Bones BBQ", "the new ramen place in the Greene", "Panera on Dorothy Lane"]
    p = rng.sample(places, 2)
    return {"place1": p[0], "place2": p[1], "time": rng.choice(["11:30", "11:45", "12:00", "12:15"]),
            "day": rng.choice(["Friday", "Thursday"]),
            "occasion": rng.choice(["Tom's last day on second shift", "Rachel's birthday",
                                    "the audit wrapping up", "no reason, it's Friday"])}


def p_offsite(rng, pii, st, start):
    return {"venue": rng.choice(["Carillon Park conference center", "the Hueston Woods lodge",
                                 "the Dayton Art Institute event space"]),
            "odate": long_date(_bday(start, rng.randint(30, 45))), "headcount": str(rng.randint(18, 26)),
            "budget": money(rng.randint(60, 95) * 100 + 0.0)}


def p_partial(rng, pii, st, start):
    return {"ppap": long_date(_bday(start, rng.randint(20, 35))), "otd": str(rng.randint(58, 74))}


# --------------------------------------------------------------------------- threads

_R = lambda *issues, d=CONF: Coding(True, NOT_PRIV, tuple(issues), d)  # noqa: E731
_ACC = lambda *issues: Coding(True, AC, tuple(issues), None)  # noqa: E731

THREADS: list[Thread] = [
    Thread("surcharge", "mfeld", "{subj}", _R("PRICING"), window=(date(2023, 5, 22), date(2023, 6, 2)),
           params=p_surcharge, msgs=[
        M("sortiz", ["mfeld"], ["vhale"], attach=[Att("surcharge_notice")], body="""
{Please find attached|Attached please find|Attached is} Globex's notice of a raw material surcharge of
{spct}% on all GX-400 and GX-250 actuator assemblies shipped on or after {seff}.

As you know, the cost of sintered neodymium magnets has risen {magnet_pct}% since the Master Supply
Agreement was signed, and aluminum housings are up {alum_pct}%. We have absorbed these increases
{for as long as we could|for several quarters|for most of the year}, but we are no longer able to do so.

The surcharge will appear as a separate line on each invoice. {Happy to walk you through the cost
detail on a call this week.|Let me know a good time to review the cost detail with you.|I am glad
to set up a call with Victor to go through the numbers.}"""),
        M("mfeld", ["sortiz"], ["dwhitmore"], body="""
{Thanks for the note, but we|We} cannot accept the surcharge. Section 4.2 of the Master Supply
Agreement fixes the unit price of the GX-400 at ${unit} through December 31, 2024, and the only way
to change it is Section 4.4, which requires sixty days' written notice and a signed amendment.
Neither has happened here.

At our forecast of {vol} units a year, the surcharge adds roughly ${simpact} to our annual cost.
{That is not something I can absorb or approve.|That is far outside anything I have authority to
approve.}

We will continue to pay Globex invoices at the contract price. Any surcharge line will be
short-paid and noted as disputed."""),
        M("sortiz", ["mfeld"], ["vhale"], body="""
I understand your position, and I have shared it with Victor. {To be candid|Frankly|To be direct},
our margin on the GX-400 is now negative at the contract price, and Acme is not the only customer
in this situation.

Victor asked me to let you know that Globex is reviewing how it allocates constrained capacity for
{next_q}. Customers who have accepted the surcharge will be given priority. {I would hate to see
Acme's allocation affected.|I do not want that to affect Acme, which is why I hope we can find a
middle ground.}

Could we get 30 minutes on the calendar {this week|before Friday|early next week}?"""),
        M("mfeld", ["dwhitmore"], fw=True, body="""
Dana - see below from Sandra. {This reads to me as|I read this as} a threat to cut our allocation
unless we pay the surcharge. {We have about|Dayton has roughly} {weeks_stock} weeks of GX-400 stock
on hand.

{Should we bring Elaine in before I get on a call with them?|Do you want to loop in Elaine before
we respond?}"""),
        M("dwhitmore", ["mfeld"], ["eporter"], body="""
{Adding Elaine so she has visibility.|Looping in Elaine for awareness.} {Go ahead and take the call,
but do not agree to anything|Take the call and listen, but make no commitments} on price or
allocation, and keep paying at the contract price.

Please also pull together our GX-400 consumption for the last twelve months and the open PO
schedule so we know exactly where we stand if they do cut us back."""),
    ]),

    Thread("shortpay", "gtanaka", "Globex invoice {inv} - surcharge line", _R("PRICING"),
           window=(date(2023, 7, 17), date(2023, 8, 4)), params=p_shortpay, msgs=[
        M("rkim", ["gtanaka"], attach=[Att("invoice", save_copy="Documents/AP")], body="""
Invoice {inv} from Globex came in {today|this morning} for PO {po}: {qty} GX-400 units at ${unit},
which matches the PO, plus a separate line "RM surcharge {ipct}%" for ${sur}. Total invoiced is
${total}.

The surcharge is not on the PO and we have no price variance approval for it. {Should I hold the
whole invoice or short-pay?|Do you want me to hold it or pay the undisputed portion?}"""),
        M("gtanaka", ["rkim"], ["mfeld"], body="""
{Short-pay it.|Please short-pay.} Pay the {qty} units at the PO price (${base}) and do not pay the
surcharge line. Use reason code PV-DISP (price variance, disputed) on the remittance so it shows up
on the aging report.

Marcus, {please confirm|can you confirm} this is consistent with what you told Globex."""),
        M("mfeld", ["gtanaka", "rkim"], body="""
Confirmed. I told Sandra Ortiz in writing that we would pay the contract price and short-pay any
surcharge. {Please keep a running log of every short-pay|Let's keep a log of each short-pay} - we
{will need it|are going to need it} {if this goes further|later}."""),
        M("rkim", ["gtanaka"], ["mfeld"], attach=[Att("shortpay_log")], body="""
Done. Payment of ${base} went out in {pay_run}'s check run and the remittance note was sent to
Globex AR. I started a log of the disputed surcharge amounts (attached); the running total is
${running}."""),
    ]),

    Thread("defect", "praman", "GX-400 failures on line {line} - lot {lot}", _R("DEFECT"),
           window=(date(2023, 9, 11), date(2023, 9, 22)), params=p_defect, msgs=[
        M("tbecker", ["praman"], body="""
We pulled {n_fail} GX-400 actuators off line {line} {this morning|overnight|on second shift} after
they failed the end-of-line torque test. All of them are from Globex lot {lot}. The failure looks
the same on every unit: grinding noise at low speed, then the motor stalls under load. Two of them
seized completely.

{We quarantined the rest of the lot|The rest of the lot is on hold in the quarantine cage}
({lot_qty} units). Can someone from your team come down and take a look?"""),
        M("praman", ["kmabry"], ["tbecker", "mfeld"], attach=[Att("scar_form"), Att("spec")], body="""
Acme is opening supplier corrective action request SCAR-{scar} for GX-400 lot {lot}. {n_fail} of
{n_tested} units failed end-of-line test at our Dayton plant with bearing noise followed by a stall
under load, a {rate}% failure rate against the 0.5% ceiling in the quality agreement.

Please provide containment within 24 hours and a full 8D within ten business days, as Section 8.3
of the Master Supply Agreement requires. The SCAR form is attached. {We can ship failed units to
your lab for teardown.|Failed units are available for teardown at your request.} Specification
AS-7710 Rev C is attached for reference."""),
        M("kmabry", ["praman"], body="""
Thanks for the SCAR, we have it logged. {Before we accept the failure|Before we agree this is a
Globex issue}, we would like to rule out installation. We have seen bearing damage like this when
the mounting bolts are torqued above 9 Nm. Can you confirm the torque spec your line is using, and
send us 20 failed units and 10 good units from the same lot?"""),
        M("praman", ["kmabry"], ["tbecker"], body="""
Our line torques the mounting bolts to 7.5 Nm, inside the 6-8 Nm on drawing AS-7710 Rev C, and the
torque tools were calibrated {two weeks ago|last month|on the 3rd}. We also see the same failure on
units that were never installed: {four|three|five} failed on the bench straight out of the box.

Twenty failed units and ten good units are going out today by {FedEx Priority|UPS Next Day Air},
tracking {tracking}. Please treat the containment request as open."""),
        M("kmabry", ["praman"], body="""
Preliminary teardown results: we found grease contamination and pitting on the rear bearing race
in {fail_found} of the 20 units. The bearing comes from our sub-supplier in {Juarez|Monterrey|
Reynosa}, who changed grease suppliers in {change_month} without notifying us.

We have put containment in place starting with lot {lot2}; all units are now 100% run-in tested
before they ship. The 8D will follow {by the end of next week|within ten days}."""),
        M("praman", ["dwhitmore", "mfeld"], fw=True, coding=_R("DEFECT", "DAMAGES"), body="""
Dana, Marcus - Globex has now admitted the root cause (contaminated bearing grease from their
sub-supplier, changed without notice to us). Every lot shipped since {change_month} is suspect.

By my count we have {field_units} units in the field from the suspect lots. If the field failure
rate tracks what we see on the line, we are looking at roughly {field_fail} warranty returns and
about ${rework_cost} in rework and replacement cost. {I will keep a running tally.|I am keeping a
tally for the recovery claim.}"""),
    ]),

    Thread("customer", "dwhitmore", "Field failures - AX-12 hydraulic valve actuators",
           _R("DEFECT", "DAMAGES"), window=(date(2023, 11, 6), date(2023, 11, 17)), params=p_customer, msgs=[
        M("sridley", ["jwu"], ["dwhitmore"], body="""
We have now had {n_field} field failures of the AX-12 hydraulic valve actuator on our {model}
tractors in the last {weeks} weeks. Dealers report that the valve sticks open and the hitch will not
lower. This is a safety issue for our customers and it is hurting our brand.

Under our supply agreement we are issuing a chargeback of ${chargeback} for dealer labor and
replacement parts to date, and we expect Acme to cover the field campaign. Please send an RMA and
your corrective action plan by {deadline}."""),
        M("jwu", ["dwhitmore"], fw=True, body="""
Dana, this is the Globex motor again - every AX-12 failure Priya's team has looked at traces back to
the GX-400 inside it. Northfield is our {second largest|third largest|largest} account. How do you
want me to handle the chargeback?"""),
        M("dwhitmore", ["jwu"], ["praman", "gtanaka"], body="""
Take care of Northfield first. Issue the RMA, ship replacement AX-12s from the contained stock, and
accept the chargeback if the labor rates check out. Greg, please book all of it to project code
{recovery_code} so we can track what this is costing us. We will be seeking every dollar of it back
from Globex."""),
        M("jwu", ["sridley"], ["dwhitmore"], body="""
Thank you for your patience. {rma} is open for all affected units, and replacement actuators from
verified-good stock will ship {this week|by Friday}. We have traced the failures to a defective
motor from one of our suppliers and have contained all suspect lots.

We will issue a credit memo for ${chargeback} against your next invoice. Our corrective action
report will be with you by {deadline}."""),
    ]),

    Thread("allocation", "mfeld", "PO {po} - revised ship dates", _R("DELIVERY"),
           window=(date(2023, 8, 7), date(2023, 8, 18)), params=p_allocation, msgs=[
        M("acho", ["mfeld"], body="""
Please see the revised ship schedule for PO {po}. Because of capacity constraints at our Columbus
plant, the {qty} GX-400 units originally due {orig_date} will now ship in two releases: {partial}
units on {date1} and the balance on {date2}, roughly {weeks} weeks late.

We are allocating available output across all customers {and appreciate your understanding|and will
update you if anything changes}."""),
        M("mfeld", ["acho"], ["sortiz"], body="""
Alan, this does not work for us. Section 6.1 of the Master Supply Agreement commits Globex to an
eight-week lead time on forecasted volume, and PO {po} was placed {lead} weeks ahead, inside our
forecast. A {weeks}-week slip puts our Dayton line {line} down.

Please confirm the full quantity ships by {orig_date}, or tell me in writing that Globex will not
meet the PO."""),
        M("acho", ["mfeld"], ["sortiz"], body="""
I have escalated to Victor. The best I can do right now is {partial} units. {Allocation decisions
are being made above my level|Allocation is being set by our sales leadership, not logistics}, and
I was told customers on the current price list are being prioritized."""),
        M("mfeld", ["tbecker"], ["dwhitmore"], fw=True, body="""
Tom - Globex is shorting PO {po}. We get {partial} units on {date1} and nothing firm after that. At
current build rates line {line} runs out of GX-400s on {runout}. Let me know what you need to keep
the line running; I am working on an alternate source."""),
        M("tbecker", ["mfeld"], ["dwhitmore"], coding=_R("DELIVERY", "DAMAGES"), body="""
We can stretch to {runout2} by pulling the GX-250 builds forward, but after that line {line} sits
idle. Overtime to catch up afterward will be about ${overtime}, and if you get parts from anyone
else I will need them air-freighted - budget ${airfreight} for expedite."""),
    ]),

    Thread("cover", "mfeld", "RFQ - actuator equivalent to GX-400", _R("DAMAGES", "DELIVERY", d=AEO),
           window=(date(2023, 9, 25), date(2023, 10, 6)), params=p_cover, msgs=[
        M("mfeld", ["pgrant"], attach=[Att("spec")], body="""
{Following up on our call,|As discussed,} Acme would like a quote for an actuator equivalent to our
current GX-400, built to the attached specification AS-7710 Rev C. Annual volume is {vol} units,
with an initial order of {qty} as soon as possible. Please include tooling, lead time and PPAP
timing."""),
        M("pgrant", ["mfeld"], attach=[Att("initech_quote", save_copy="Documents/Sourcing")], body="""
Thank you for the opportunity. Our quote Q-{quote} is attached: the IMS-420 at ${init_unit} per unit
for {vol} units a year, one-time tooling of ${tooling}, and first production shipments six weeks
after PO. {We can begin PPAP samples right away.|PPAP samples can ship in three weeks.}"""),
        M("mfeld", ["dwhitmore"], ["gtanaka"], fw=True, body="""
Dana - Initech's quote is below. The IMS-420 is ${init_unit} a unit against ${unit} under the
Globex contract, a difference of ${delta} per unit. At {vol} units that is ${annual_delta} a year,
plus ${tooling} in tooling.

{I recommend we approve it as a cover source|My recommendation is to approve Initech} for at least
twelve months. We cannot keep the Dayton lines running on Globex's allocation."""),
        M("dwhitmore", ["mfeld"], ["gtanaka"], body="""
Approved. Go ahead and issue the PO to Initech. Greg, please track the price difference, the
tooling and the expedite costs separately - we will be asking Globex to pay for all of it."""),
    ]),

    Thread("ac_withhold", "dwhitmore", "Globex surcharge and withholding payment - privileged",
           _ACC("PRICING", "CONTRACT"), window=(date(2023, 8, 14), date(2023, 8, 18)), msgs=[
        M("dwhitmore", ["rsanders"], ["eporter"], legend=True, attach=[Att("msa")], body="""
As Elaine mentioned, we would like your advice on our options with Globex. Since {eff} Globex has
been invoicing a {pct}% raw material surcharge on the GX-400, which we have been short-paying. They
are now hinting that they will cut our allocation unless we accept it.

Two questions: (1) are we on solid ground continuing to short-pay the surcharge, and (2) if they do
cut our allocation, can we buy from another supplier and charge Globex the difference? The Master
Supply Agreement is attached."""),
        M("rsanders", ["dwhitmore"], ["eporter", "mosei"], legend=True, body="""
Thank you, Dana. Short answers below; we can discuss on Thursday.

1. Short-paying. Section 4.2 fixes the GX-400 price through December 31, 2024, and Section 4.4
permits an adjustment only on sixty days' notice and a signed amendment. In our view Acme is
entitled to pay the contract price and withhold the surcharge. To protect that position, Acme should
give written notice of the dispute under Section 14.3 within thirty days of each disputed invoice,
and should keep paying the undisputed amounts on time so that Globex cannot say Acme is the party in
breach.

2. Cover. If Globex fails to deliver, Acme may purchase substitute goods in good faith and without
unreasonable delay and recover the difference in cost from Globex (UCC 2-712). We recommend
documenting the RFQ process, keeping at least two quotes, and avoiding any statement to Globex that
could be read as Acme terminating the agreement before we are ready to do so.

Meredith will circulate a short memo with the supporting authority."""),
        M("dwhitmore", ["rsanders"], ["eporter"], legend=True, body="""
Very helpful, thank you. One follow-up: Globex's account manager told Marcus in writing that
customers who accept the surcharge are being prioritized. Does that change the analysis, and should
we be saving those emails somewhere specific?"""),
        M("rsanders", ["dwhitmore"], ["eporter", "mosei"], legend=True, body="""
If anything it helps us. Conditioning deliveries on acceptance of a price the contract does not
allow is strong evidence of bad faith, and if it is repeated in writing it supports a claim of
anticipatory repudiation. Please do not delete anything; Elaine will send a formal legal hold notice
this week covering those emails and the purchasing files. Please do not forward this email outside
the legal team."""),
    ]),

    Thread("ac_draft_notice", "dwhitmore", "PRIVILEGED - draft notice of breach to Globex",
           _ACC("CONTRACT", "DEFECT"), window=(date(2024, 3, 11), date(2024, 3, 15)), params=p_notice, msgs=[
        M("rsanders", ["eporter", "dwhitmore"], legend=True, attach=[Att("draft_notice")], body="""
Elaine, Dana - attached is our draft notice of breach and demand for cure. Before it goes out,
please check the factual statements in paragraphs 2 through 4, in particular the lot numbers, the
failure counts and the dates of Globex's surcharge notices. We have assumed {n_returns} field
returns to date; please confirm or correct.

We recommend that it go out from Elaine, on Acme letterhead, rather than from the firm.""",
          greet=False),
        M("dwhitmore", ["rsanders"], ["eporter", "praman"], legend=True, body="""
Thanks Richard. Paragraph 3 should say the surcharge took effect on {eff}, not the first invoice
date. Priya - can you confirm the number of field returns as of today? I think it is higher than
{n_returns}."""),
        M("praman", ["dwhitmore", "rsanders"], ["eporter"], legend=True, body="""
Confirmed as of this morning: {n_returns2} field returns, plus {n_line} line failures at Dayton, all
from lots {lot} through {lot2}. {I would use those numbers.|Those are the figures I would put in the
letter.}"""),
    ]),

    Thread("notice_sent", "dwhitmore", "Acme Manufacturing / Globex - Notice of Breach and Demand for Cure",
           _R("CONTRACT", d=None), window=(date(2024, 4, 1), date(2024, 4, 5)), msgs=[
        M("eporter", ["vhale"], ["dwhitmore", "rsanders"], greet=False, attach=[Att("notice_final")], body="""
Dear Mr. Hale:

Please find attached Acme Manufacturing, Inc.'s notice of breach and demand for cure under Section
12.2 of the Master Supply Agreement dated {msa_date}. A copy is also being sent by overnight courier
to Globex's notice address.

Please direct any response to me."""),
        M("vhale", ["eporter"], ["dwhitmore", "jprice"], greet=False, body="""
Ms. Porter,

We have received your letter. Globex disagrees with its characterization of the parties' dealings.
I have copied our outside counsel, Jonathan Price of Baxter Quinn LLP, who will respond on Globex's
behalf."""),
        M("jprice", ["eporter"], ["vhale", "rsanders", "dwhitmore"], greet=False, attach=[Att("bq_letter")], body="""
Counsel:

Attached is Globex's response to Acme's notice of breach. Please direct all further communications
about this matter to me rather than to Globex personnel. Globex reserves all rights."""),
    ]),

    Thread("partial_update", "dwhitmore", "Globex - where things stand", _R("PRICING", "DELIVERY", "DAMAGES"),
           window=(date(2024, 2, 5), date(2024, 2, 9)), params=p_partial, msgs=[
        M("mfeld", ["dwhitmore"], body="""
Can you give the team a quick update on Globex before Thursday's ops review? People are asking
whether they should keep placing POs with them and what to say if Sandra calls."""),
        M("dwhitmore", ["mfeld", "gtanaka", "praman"], ["tbecker"], greet=False, body="""
All - a quick update on Globex ahead of Thursday.

Keep placing POs with Globex for forecast volume and keep paying the contract price; Greg's team
will continue to short-pay the surcharge line on every invoice. On-time delivery from Globex was
{otd}% last month. Initech PPAP is on schedule for {ppap}, and Marcus will move volume as soon as
the parts are approved.

@@PRIV@@

If Sandra or anyone else at Globex calls, listen and take notes but do not discuss the dispute;
send them to me. Priya - please keep sending the weekly failure tally.""",
          priv_para="""Legal update (privileged - please do not forward): Richard Sanders at Hollister & Vance has
advised that we can keep short-paying the surcharge as long as Elaine sends a written dispute notice
under Section 14.3 for each invoice, and that nobody should say anything to Globex that sounds like
we are terminating the contract. He thinks our damages claim is strongest if we keep buying from
Globex while we qualify Initech."""),
    ]),

    Thread("scheduling", "dwhitmore", "Call with Richard Sanders - reschedule", NOISE,
           window=(date(2023, 9, 5), date(2023, 9, 8)), msgs=[
        M("mosei", ["dwhitmore"], ["eporter"], body="""
Richard has a conflict on Thursday at 2:00. Would {Friday at 10:00|Friday at 11:30|Monday at 3:00}
Eastern work for you and Elaine instead? The dial-in will stay the same."""),
        M("dwhitmore", ["mosei"], ["eporter"], body="""
{That works for me.|Works for me.} I will be in the office, so I will dial in from the Kettering
conference room."""),
        M("mosei", ["dwhitmore"], ["eporter"], body="""
Thank you - an updated invitation will follow {shortly|this afternoon}."""),
    ]),

    Thread("qbr", "mfeld", "Q{q} quarterly business review - agenda", _R("PRICING", "DELIVERY"),
           window=(date(2023, 10, 2), date(2023, 10, 13)), params=p_qbr, msgs=[
        M("sortiz", ["mfeld"], ["vhale"], attach=[Att("qbr_agenda")], body="""
Attached is a draft agenda for our quarterly business review on {qbr_date}. {Victor will join for
the first hour.|Victor plans to attend.} Let me know if you would like to add anything."""),
        M("mfeld", ["sortiz"], ["dwhitmore"], body="""
Thanks. Please add two items: (1) on-time delivery, which was {otd}% last quarter against the 95%
target, and (2) the status of the surcharge dispute. {Dana will join us.|Dana will attend as
well.}"""),
        M("sortiz", ["mfeld"], ["dwhitmore"], body="""
Added both items. We will host at our Columbus office; lunch will be provided. {See you
then.|Looking forward to it.}"""),
    ]),

    Thread("warranty", "gtanaka", "Warranty claim WC-{wc} - GX-400 lots {lot} to {lot2}", _R("DEFECT", "DAMAGES"),
           window=(date(2024, 1, 15), date(2024, 1, 26)), params=p_warranty, msgs=[
        M("gtanaka", ["kmabry", "sortiz"], ["praman"], attach=[Att("warranty_claim"), Att("msa")], body="""
Attached is Acme's warranty claim WC-{wc} for GX-400 actuators from lots {lot} through {lot2},
totaling ${claim}. The claim covers replacement units, line rework labor, expedited freight and the
customer chargebacks we have paid to date, each supported by the attached schedule. Under Section
9.1 of the Master Supply Agreement, Globex warrants that the goods will be free from defects in
materials and workmanship for 24 months; a copy of the agreement is attached."""),
        M("sortiz", ["gtanaka"], ["kmabry", "vhale"], body="""
We have reviewed the claim. Globex will credit the nonconforming units themselves, as Section 9.3
provides, but it does not accept the labor, freight or chargeback amounts. Section 9.5 excludes
incidental and consequential damages and caps Globex's liability at the price of the affected
goods. We can issue a credit of ${credit} for {units_credited} units."""),
        M("gtanaka", ["sortiz"], ["praman", "dwhitmore"], body="""
We disagree. Section 9.5 does not apply where the defect results from Globex's failure to notify
Acme of a process change, which Section 8.6 requires. We will accept the ${credit} credit as a
partial payment only, without waiving the balance of ${balance}."""),
        M("gtanaka", ["dwhitmore"], fw=True, body="""
FYI - Globex is refusing everything but the unit credit. I booked the ${credit} as a partial
recovery and left ${balance} open in {recovery_code}."""),
    ]),

    Thread("amendment", "dwhitmore", "Proposed Amendment No. 2 to the Master Supply Agreement",
           _R("PRICING", "CONTRACT"), window=(date(2024, 2, 19), date(2024, 2, 23)), msgs=[
        M("vhale", ["dwhitmore"], ["sortiz"], attach=[Att("amendment_draft")], body="""
In the interest of resolving the pricing issue, Globex proposes the attached Amendment No. 2. It
replaces the surcharge with a {pct2}% increase to the GX-400 unit price, indexed quarterly to the
published neodymium price, and extends the term through December 31, 2026. In exchange Globex would
commit to Acme's full forecast volume. {I think it is a fair compromise.|I believe this is a
reasonable middle ground.}"""),
        M("dwhitmore", ["vhale"], ["mfeld"], body="""
Victor, thanks. We will review it, but I should be direct: an indexed price with no ceiling shifts
all of the commodity risk to Acme, which is exactly what the fixed price in Section 4.2 was meant to
avoid. The allocation commitment would also need to be unconditional. I will come back to you {next
week|by the end of the month}."""),
        M("dwhitmore", ["eporter"], ["mfeld"], fw=True, coding=_ACC("PRICING", "CONTRACT"), body="""
Elaine - see Globex's proposed amendment below. Can you and Richard look at it from a legal
standpoint before I respond? I am especially worried about the indexing clause and the release
language in Section 3."""),
        M("eporter", ["dwhitmore"], ["mfeld"], coding=_ACC("PRICING", "CONTRACT"), body="""
Do not sign it. Section 3 of their draft is a general release of all claims arising before the
amendment date, which would give up the warranty claim, the cover costs and every short-pay
dispute. Richard agrees. We will send you a markup that deletes the release and caps the index at
3% a year, and you can decide whether to counter on that basis."""),
    ]),

    Thread("fantasy", "gtanaka", "Week {wk} recap + trade talk", NOISE,
           window=(date(2023, 10, 9), date(2023, 10, 20)), params=p_fantasy, msgs=[
        M("bholt", ["gtanaka", "jwu", "tbecker"], greet=False, body="""
Gentlemen,

Week {wk} recap: {t1} put up {pts1} and still lost to {t2} ({pts2}), which is the most on-brand thing
that has ever happened in this league. {t3} is now alone in last place and will be buying the
wings.

Trade deadline is {deadline}. Get your offers in."""),
        M("gtanaka", ["bholt", "jwu", "tbecker"], body="""
I will give you {p1} and a round {round} pick for {p2}. {Final offer.|Take it or leave it.}"""),
        M("bholt", ["gtanaka", "jwu", "tbecker"], greet=False, body="""
Greg, {p1} has been on a bye for two weeks in a row as far as I can tell. Throw in {p3} and we can
talk."""),
        M("jwu", ["bholt", "gtanaka", "tbecker"], greet=False, body="""
Brian, just accept it. {Some of us have work to do.|The group chat is begging you.}"""),
        M("bholt", ["gtanaka", "jwu", "tbecker"], greet=False, body="""
Fine. Trade accepted. Reminder that dues are $50 and three of you still owe me. Pay me on Venmo or
send a check; if the work email eats it, use my personal address, {ff_email}."""),
    ]),

    Thread("lunch", "praman", "Lunch {day}?", NOISE,
           window=(date(2023, 6, 5), date(2023, 6, 16)), params=p_lunch, msgs=[
        M("praman", ["rkim", "tbecker", "bholt"], greet=False, body="""
Anyone up for lunch {day} for {occasion}? I was thinking {place1} at {time}."""),
        M("tbecker", ["praman", "rkim", "bholt"], greet=False, body="""
I'm in. {Could we do|How about} {place2} instead? {place1} took forty minutes last time."""),
        M("rkim", ["praman", "tbecker", "bholt"], greet=False, body="""
{Either works for me|Fine by me}. I can drive four."""),
        M("praman", ["rkim", "tbecker", "bholt"], greet=False, body="""
{place2} it is. Meet in the lobby at {time}."""),
    ]),

    Thread("offsite", "dwhitmore", "Ops leadership offsite - planning", NOISE,
           window=(date(2023, 8, 21), date(2023, 9, 1)), params=p_offsite, msgs=[
        M("dwhitmore", ["lmoreno"], ["tbecker"], body="""
I would like to hold the operations leadership offsite at {venue} on {odate}. We will have about
{headcount} people. Could HR help with the booking and the budget approval? I am thinking around
${budget} including lunch."""),
        M("lmoreno", ["dwhitmore"], ["tbecker"], body="""
Happy to help. {venue} has the date open; I put a soft hold on the room. For that headcount the
catering minimum is a little over your number, so I will ask them to waive it. Do you want an
outside facilitator for the afternoon?"""),
        M("dwhitmore", ["lmoreno"], ["tbecker"], body="""
No facilitator this year - Tom and I will run the afternoon session. {Please go ahead and
confirm.|Please confirm the booking.} Thank you!"""),
        M("lmoreno", ["dwhitmore"], ["tbecker"], body="""
Confirmed. Calendar invitations will go out from my team {tomorrow|on Monday}."""),
    ]),
    Thread("carpool", "praman", "{Soccer|Practice} pickup this week", NOISE,
           window=(date(2023, 9, 18), date(2023, 9, 29)), params=lambda rng, pii, st, start: {
               "day1": rng.choice(["Tuesday", "Wednesday"]), "day2": rng.choice(["Thursday", "Friday"]),
               "kid": rng.choice(["Anika", "Rohan"]), "window": rng.choice(["8 to 12", "noon to 4"])}, msgs=[
        M("nraman", ["praman"], greet=False, sign=False, body="""
Can you do {kid}'s pickup on {day1}? I have a late meeting and will not make it by 5:30."""),
        M("praman", ["nraman"], greet=False, body="""
Yes, I can leave at 5. But I need you to cover {day2}, I have a supplier call that always runs
over."""),
        M("nraman", ["praman"], greet=False, sign=False, body="""
Deal. Also the water heater guy is coming {day1} between {window}, I will work from home that
morning."""),
    ]),

    Thread("retirement", "dwhitmore", "Retirement lunch for Ed Kowalski", NOISE,
           window=(date(2023, 11, 27), date(2023, 12, 8)), msgs=[
        M("lmoreno", ["dwhitmore", "praman", "tbecker"], body="""
Ed Kowalski's last day is December 22 after 31 years with Acme. We would like to host a lunch for
him in the training room on the 20th. Could each of you say a few words? We are also collecting for
a gift card; {$20|$25} suggested, envelope is at the front desk."""),
        M("tbecker", ["lmoreno"], ["dwhitmore", "praman"], body="""
Count me in. Ed trained half of second shift, including me. I will bring the photo of the 1998
flood crew."""),
        M("dwhitmore", ["lmoreno"], ["praman", "tbecker"], body="""
Happy to speak. Can we get the cake from Ashley's Pastry Shop? Ed has mentioned it about a hundred
times."""),
        M("praman", ["lmoreno"], ["dwhitmore", "tbecker"], body="""
I will say a few words too. {I can pick up the cake on the way in.|I can handle the card.}"""),
    ]),

    Thread("packaging", "mfeld", "2024 pricing - corrugated packaging", NOISE,
           window=(date(2023, 11, 13), date(2023, 11, 24)), params=lambda rng, pii, st, start: {
               "inc": rng.choice(["6", "7", "8"]), "agreed": rng.choice(["3.5", "4"]),
               "spend": money(rng.randint(410, 520) * 1000 + 0.0)}, msgs=[
        M("talvarez", ["mfeld"], body="""
As we head into 2024, Buckeye Corrugated will be implementing a {inc}% price increase on all
corrugated shipping containers and inserts effective January 1, driven by containerboard and
freight costs. Updated price sheets will follow next week."""),
        M("mfeld", ["talvarez"], body="""
Thanks for the heads-up, Tina. {inc}% is hard to swallow on ${spend} of annual spend, especially
with containerboard prices down since the spring. I can support something closer to 3%, with
pricing held for the full year."""),
        M("talvarez", ["mfeld"], body="""
I talked with my manager. We can do {agreed}% held through December 2024 if Acme commits to the
same volumes. Does that work?"""),
        M("mfeld", ["talvarez"], body="""
That works. Please send the updated price sheets and I will get the blanket PO revised."""),
    ]),

    Thread("freight", "gtanaka", "Fuel surcharge table - Q{q} update", NOISE,
           window=(date(2024, 1, 2), date(2024, 1, 12)), params=lambda rng, pii, st, start: {
               "q": str((start.month - 1) // 3 + 1), "fsc": f"{rng.uniform(28, 34):.1f}",
               "diesel": f"{rng.uniform(3.8, 4.4):.2f}"}, msgs=[
        M("mwf", ["gtanaka"], body="""
Midwest Freightways' fuel surcharge for LTL shipments will be {fsc}% of linehaul for the coming
quarter, based on the DOE national average diesel price of ${diesel} per gallon. The full table is
on our customer portal."""),
        M("gtanaka", ["mwf"], body="""
Please confirm the surcharge applies to linehaul only and not to the accessorial charges. Our
contract caps it that way."""),
        M("mwf", ["gtanaka"], body="""
Confirmed: linehaul only. Accessorials are not subject to the fuel surcharge under your contract."""),
    ]),

    Thread("laptop", "mfeld", "Laptop refresh - schedule your swap", NOISE,
           window=(date(2024, 2, 26), date(2024, 3, 8)), params=lambda rng, pii, st, start: {
               "slot": rng.choice(["Tuesday at 10:00", "Wednesday at 2:00", "Thursday at 9:30"]),
               "model": rng.choice(["Latitude 7440", "ThinkPad T14"])}, msgs=[
        M("itdesk", ["@cust"], body="""
Your laptop is due for replacement. Please reply with a time that works for a 45-minute swap
appointment at the Service Desk this week. Your new {model} will be set up with your files and
email before you arrive."""),
        M("@cust", ["itdesk"], body="""
{slot} works for me. Will my saved Wi-Fi networks and printer settings carry over?"""),
        M("itdesk", ["@cust"], body="""
You are booked for {slot}. Printers will carry over; you will need to rejoin Wi-Fi networks other
than the Acme network. Please bring your charger and badge."""),
    ]),

    Thread("golf", "mfeld", "Globex customer appreciation golf outing", NOISE,
           window=(date(2023, 5, 1), date(2023, 5, 12)), msgs=[
        M("sortiz", ["mfeld"], body="""
Globex is hosting its annual customer appreciation golf outing at Muirfield Village on June 22.
We would love to have you and a guest join us; it is a scramble format, with dinner afterward.
Please let me know by the end of the month."""),
        M("mfeld", ["sortiz"], body="""
Thanks for the invitation, Sandra. Unfortunately that is the week of our family vacation at the
lake, so I will have to pass this year. Have a great time."""),
        M("sortiz", ["mfeld"], body="""
Understood - maybe next year. Enjoy the lake!"""),
    ]),

    Thread("dinner", "gtanaka", "Saturday", NOISE,
           window=(date(2023, 8, 7), date(2023, 8, 18)), params=lambda rng, pii, st, start: {
               "friends": rng.choice(["the Hendersons", "Mike and Jen", "the Parks"]),
               "time": rng.choice(["6:30", "7:00"])}, msgs=[
        M("atanaka", ["gtanaka"], greet=False, sign=False, body="""
{friends} invited us for dinner Saturday at {time}. I said probably yes. Can you pick up wine on
the way home Friday? Something red."""),
        M("gtanaka", ["atanaka"], greet=False, body="""
Yes to both. Do we need a sitter or are the kids coming?"""),
        M("atanaka", ["gtanaka"], greet=False, sign=False, body="""
Kids are coming, they have a trampoline. Love you."""),
    ]),
]

# Further instances of some threads: (key, custodian or None, window, extra slots)
THREAD_INSTANCES: list[tuple[str, str | None, tuple[date, date], dict]] = [
    ("surcharge", None, (date(2024, 1, 8), date(2024, 1, 19)), {}),
    ("defect", None, (date(2024, 2, 12), date(2024, 2, 23)), {}),
    ("fantasy", None, (date(2023, 11, 6), date(2023, 11, 17)), {}),
    ("fantasy", None, (date(2023, 12, 4), date(2023, 12, 15)), {}),
    ("lunch", None, (date(2024, 4, 8), date(2024, 4, 19)), {}),
    ("lunch", None, (date(2023, 9, 11), date(2023, 9, 22)), {}),
    ("carpool", None, (date(2024, 3, 18), date(2024, 3, 29)), {}),
    ("laptop", "gtanaka", (date(2024, 5, 6), date(2024, 5, 17)), {}),
    ("dinner", None, (date(2024, 5, 20), date(2024, 5, 31)), {}),
]


# --------------------------------------------------------------------------- single emails

def p_benefits(rng, pii, st, start):
    return {"ssn": pii.ssn(), "dob": pii.dob(), "dep_dob": pii.dob(),
            "home_email": pii.personal_email("gtanaka.home@gmail.com"),
            "plan": rng.choice(["PPO 1500", "HDHP with HSA", "PPO 500"])}


def p_deposit(rng, pii, st, start):
    return {"acct": pii.bank_account(), "aba": pii.aba_routing(), "bank": rng.choice(
        ["Fifth Third Bank", "Huntington National Bank", "PNC Bank", "KeyBank"])}


def p_wire(rng, pii, st, start):
    return {"acct": pii.bank_account(), "aba": pii.aba_routing(), "old_acct_tail": str(rng.randint(1000, 9999))}


def p_car(rng, pii, st, start):
    return {"cell": pii.phone("937"), "price": f"{rng.randint(11, 19)},{rng.choice(['500', '900', '000'])}",
            "miles": f"{rng.randint(61, 118)},000"}


def p_travel(rng, pii, st, start):
    return {"dob": pii.dob(), "cell": pii.phone("937"), "conf": "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
                                                                        for _ in range(6)),
            "card_tail": str(rng.randint(1000, 9999))}


def p_expense(rng, pii, st, start):
    return {"card": pii.payment_card(rng.choice(["visa", "mastercard"])), "amt": money(rng.uniform(640, 1900)),
            "rpt": f"ER-{rng.randint(20000, 29999)}"}


def p_tally(rng, pii, st, start):
    wk = start.isocalendar()[1]
    return {"wk": str(wk), "ret": str(rng.randint(12, 41)), "cum": str(rng.randint(150, 330)),
            "line_f": str(rng.randint(2, 14))}


def p_newsletter(rng, pii, st, start):
    return {"nd_price": str(rng.randint(92, 128)), "issue": str(rng.randint(300, 420))}


def p_generic(rng, pii, st, start):
    return {"day": rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday"]),
            "lot_no": rng.choice(["A", "B", "C"]), "bld": rng.choice(["Building 2", "the main plant", "Building 4"])}


ALL4 = ["dwhitmore", "gtanaka", "mfeld", "praman"]

SINGLES: list[Single] = [
    Single("legal_hold", ALL4, M("eporter", ["dwhitmore", "mfeld", "praman", "gtanaka"], legend=True, body="""
You are receiving this notice because you have documents or information relevant to a dispute
between Acme Manufacturing, Inc. and Globex Corporation concerning the Master Supply Agreement,
Globex's pricing and surcharges, GX-400 quality problems, and delivery shortfalls. Hollister & Vance
LLP is representing Acme, and this notice is sent at their request.

Effective immediately, you must preserve all documents and data, in any form, that relate to Globex,
the GX-400 or GX-250 actuators, Initech, Northfield Agricultural Equipment, or the surcharge. This
includes email, text messages, files on your laptop and shared drives, notebooks and paper files.
Suspend any routine deletion. Do not discuss this notice or the dispute with anyone outside the
legal team.

Please confirm by reply that you have read and will comply with this notice. Questions should come
to me or to Richard Sanders at Hollister & Vance."""),
           "LEGAL HOLD NOTICE - Acme / Globex - please read and acknowledge",
           Coding(True, AC, ("CONTRACT",), None), (date(2023, 8, 21), date(2023, 8, 23))),

    Single("ac_memo_request", ["praman"], M("mosei", ["praman"], ["eporter", "rsanders"], legend=True, body="""
As part of our work for Acme on the Globex matter, Richard has asked me to put together a timeline of
the GX-400 quality issues. Could you send me (1) the SCARs issued to Globex, (2) Globex's 8D
responses, and (3) your weekly returns tallies since {change_month}? If it is easier, we can set up
a short call so you can walk me through the failure analysis.

Please keep this request and your responses within the legal team."""),
           "Globex - documents for counsel's timeline (privileged)",
           Coding(True, AC, ("DEFECT",), None), (date(2023, 12, 4), date(2023, 12, 8))),

    Single("partial_shortpay", ["gtanaka"], M("gtanaka", ["rkim"], ["mfeld"], body="""
Going forward, here is how we handle Globex invoices:

- Pay the units at the PO price within terms, every time. Do not hold the whole invoice.
- Short-pay any surcharge line and code it PV-DISP.
- Add every short-pay to the disputed surcharge log the same day.
- Send me a copy of the remittance note.

@@PRIV@@

Thanks for keeping this so organized.""",
           priv_para="""For background, and please keep this to yourself: Elaine told me that outside counsel's
advice is that the dispute notice has to go out within thirty days of each invoice or we risk
waiving the objection, so she needs the log from us by the 5th of each month. She also said not
to discuss the surcharge with anyone at Globex AR."""),
           "Process for Globex short-pays", Coding(True, NOT_PRIV, ("PRICING",), CONF),
           (date(2023, 9, 18), date(2023, 9, 22))),

    Single("partial_quality", ["praman"], M("praman", ["tbecker"], ["bholt"], body="""
Thanks for getting the containment going so quickly. {Two|A couple of} things for this week:

- Keep 100% run-in testing on every incoming GX-400 lot until Globex closes the 8D.
- Tag and retain every failed unit; do not scrap anything.

@@PRIV@@

I will be on the floor Wednesday if you want to walk the cage together.""",
           priv_para="""Elaine asked me to pass along counsel's advice: Hollister & Vance wants every failed unit
kept with its lot tag because it may become evidence, and they recommend that we stop writing our
own guesses about root cause in emails to Globex until the 8D is final."""),
           "GX-400 containment - next steps", Coding(True, NOT_PRIV, ("DEFECT",), CONF),
           (date(2023, 10, 2), date(2023, 10, 6))),

    Single("pricelist_cc_lawyer", ["mfeld"], M("sortiz", ["mfeld"], ["eporter", "vhale"],
                                               attach=[Att("price_list", save_copy="Documents/Globex")], body="""
As requested, attached is Globex's current price list for the GX product family, including the
surcharge schedule. I have copied Ms. Porter, as Victor understood she asked for a copy. {Let me know
if you need anything else.|Please let me know if you have questions.}"""),
           "Globex price list - GX family", _R("PRICING"), (date(2023, 9, 4), date(2023, 9, 15))),

    Single("wire_change", ["gtanaka"], M("gxar", ["gtanaka"], ["sortiz"], body="""
Please note that effective immediately Globex Corporation has changed its remittance bank. Please
update your vendor master and send all future payments to:

|Beneficiary: Globex Corporation
|Bank: JPMorgan Chase Bank, N.A.
|ABA routing number: {aba}
|Account number: {acct}

Payments sent to the old account ending {old_acct_tail} after the 30th will be returned. Please
confirm the change by reply."""),
           "Globex Corporation - updated remittance instructions", _R("PRICING"),
           (date(2023, 11, 13), date(2023, 11, 17)), params=p_wire),

    Single("quality_tally", ["praman"], M("praman", ["dwhitmore", "mfeld"], ["tbecker"], body="""
GX-400 returns tally for week {wk}: {ret} field returns received, {cum} cumulative since {change_month},
and {line_f} line failures at Dayton. All failed units trace to suspect lots {first_lot} through
{last_lot}. No failures yet on lots shipped after Globex's containment."""),
           "GX-400 weekly returns tally - week {wk}", _R("DEFECT"), (date(2023, 12, 11), date(2023, 12, 15)),
           params=p_tally),

    Single("ceo_update", ["dwhitmore"], M("dwhitmore", ["smarsh"], body="""
A short update on Globex for your call with the board. We are short-paying the surcharge (about ${impact}
a year at forecast), Initech is qualified as a second source, and the GX-400 failures have cost us
roughly $2.1 million so far in rework, freight and customer chargebacks. Elaine is coordinating with
outside counsel on next steps; I will let her brief you on that side."""),
           "Globex update for the board call", _R("PRICING", "DEFECT", "DAMAGES", d=AEO),
           (date(2024, 1, 29), date(2024, 2, 2))),

    # noise
    Single("open_enrollment", ALL4, M("lmoreno", ["allstaff"], greet=False, body="""
Hello everyone,

Open enrollment for 2024 benefits runs from November 1 through November 15. This year we are adding
a second high-deductible plan option and increasing the company HSA contribution. Please review your
elections in the benefits portal even if you do not plan to make changes; dependent verification is
required for anyone adding a spouse or child.

Benefits fairs will be held in the cafeteria on November 2 and November 7 from 11:00 to 1:30."""),
           "2024 Open Enrollment begins November 1", NOISE, (date(2023, 10, 23), date(2023, 10, 27))),

    Single("parking", ALL4, M("facilities", ["allstaff"], greet=False, body="""
The north employee lot will be closed {day} and the following day for resurfacing and striping.
Please park in the overflow lot behind {bld}; a shuttle will run every ten minutes from 5:30 a.m. to
7:00 p.m. Thank you for your patience."""),
           "North lot closed for resurfacing", NOISE, (date(2023, 6, 12), date(2023, 6, 16)), params=p_generic),

    Single("holiday_party", ALL4, M("lmoreno", ["allstaff"], greet=False, body="""
Please join us for the Acme holiday party on Friday, December 15 at the Dayton Marriott, 6:00 to
10:00 p.m. Spouses and partners are welcome. RSVP through the link on the intranet by December 1 so
we can give the hotel a final count. There will be an ugly sweater contest."""),
           "Save the date: Acme holiday party", NOISE, (date(2023, 11, 13), date(2023, 11, 17))),

    Single("benefits_confirm", ["gtanaka"], M("lmoreno", ["gtanaka"], body="""
Your 2024 benefit elections have been processed: medical {plan}, dental and vision, employee plus
spouse. For our records and the carrier file, please confirm the information below is correct:

|Employee SSN: {ssn}
|Employee date of birth: {dob}
|Spouse date of birth: {dep_dob}
|Personal email on file: {home_email}

If anything is wrong, reply to me directly rather than replying all."""),
           "Your 2024 benefit elections - please confirm", NOISE, (date(2023, 11, 20), date(2023, 11, 24)),
           params=p_benefits),

    Single("direct_deposit", ["praman"], M("lmoreno", ["praman"], body="""
We have updated your direct deposit as requested. Beginning with the next pay date, your net pay will
be deposited to:

|Bank: {bank}
|Routing number: {aba}
|Account number: {acct}

If you did not request this change, contact HR right away."""),
           "Direct deposit change confirmation", NOISE, (date(2023, 7, 10), date(2023, 7, 14)), params=p_deposit),

    Single("car_for_sale", ["mfeld"], M("bholt", ["allstaff"], greet=False, body="""
Selling my 2017 Honda CR-V EX, {miles} miles, one owner, new tires last fall. Asking ${price} or best
offer. It is in the east lot most days if you want to look. Text or call my cell, {cell}."""),
           "For sale: 2017 Honda CR-V", NOISE, (date(2023, 7, 24), date(2023, 7, 28)), params=p_car),

    Single("travel", ["praman"], M("itdesk", ["praman"], greet=False, body="""
|ACME TRAVEL - ITINERARY CONFIRMATION
|Traveler: Priya Raman
|Date of birth: {dob}
|Mobile: {cell}
|Confirmation: {conf}
|
|Depart DAY 6:05 AM - Arrive DTW 7:10 AM, DL 5112
|Return DTW 6:40 PM - Arrive DAY 7:42 PM, DL 5219
|Hotel: none
|Paid with corporate card ending {card_tail}

Purpose: AQE supplier quality conference, Detroit. Changes must be made through the travel portal."""),
           "Itinerary confirmation - {conf}", NOISE, (date(2024, 4, 22), date(2024, 4, 26)), params=p_travel),

    Single("expense", ["gtanaka"], M("gtanaka", ["lmoreno"], body="""
Lisa - the card on file for my {rpt} expense report was rejected, so I paid the conference
registration (${amt}) on my personal card instead. Can payroll reimburse it with my next check?
The card is {card}; the charge posted on the 14th. Receipt attached to the report."""),
           "Expense report {rpt} - reimbursement", NOISE, (date(2024, 5, 13), date(2024, 5, 17)), params=p_expense),

    Single("password", ["mfeld"], M("itdesk", ["mfeld"], greet=False, body="""
Your network password will expire in 5 days. To change it, press Ctrl+Alt+Delete on your Acme laptop
and choose "Change a password", or use the self-service portal. Passwords must be at least 14
characters. The Service Desk will never ask you for your password."""),
           "Your password expires in 5 days", NOISE, (date(2023, 8, 28), date(2023, 9, 1))),

    Single("password2", ["praman"], M("itdesk", ["praman"], greet=False, body="""
Your network password will expire in 3 days. To avoid losing access to email and VPN, change it now
from any Acme laptop (Ctrl+Alt+Delete, then "Change a password"). The Service Desk will never ask you
for your password."""),
           "Action required: password expires in 3 days", NOISE, (date(2024, 1, 15), date(2024, 1, 19))),

    Single("newsletter", ["mfeld"], M("mcw", ["mfeld"], greet=False, sign=False, body="""
MOTION CONTROL WEEKLY - Issue {issue}

Rare earths: NdPr oxide closed the week at ${nd_price} per kilogram, continuing a volatile quarter.
Analysts expect magnet makers to keep passing costs through to motor OEMs.

Automation: Three new collaborative robot arms debuted at the Chicago show, all rated for 20 kg
payloads. Prices were not announced.

People: The Motion Control Association named a new board chair and opened nominations for its 2024
innovation awards.

You are receiving this because you subscribed at mcweekly.com. Unsubscribe at any time."""),
           "Motion Control Weekly - Issue {issue}", NOISE, (date(2023, 10, 16), date(2023, 10, 20)),
           params=p_newsletter),

    Single("hv_alert", ["dwhitmore"], M("hvnews", ["dwhitmore"], greet=False, sign=False, body="""
CLIENT ALERT: Price Escalation and Force Majeure Clauses in a Volatile Commodity Market

Commodity swings in 2023 have led many suppliers to invoke force majeure or to impose surcharges
that their contracts may not allow. In this alert, Hollister & Vance partners review recent
decisions on when a supplier may pass through cost increases, the role of UCC 2-615, and practical
drafting steps for buyers and sellers negotiating new supply agreements.

Read the full alert on our website. This alert is for general information and is not legal advice
for any particular situation. Attorney advertising."""),
           "Client Alert: price escalation and force majeure clauses", NOISE,
           (date(2023, 7, 10), date(2023, 7, 14))),

    Single("blood_drive", ["gtanaka", "praman"], M("lmoreno", ["allstaff"], greet=False, body="""
The Community Blood Center bus will be at the main entrance on {day} from 9:00 to 3:00. Sign up for a
time slot on the intranet; walk-ins are welcome. Every donor gets a free T-shirt and our thanks."""),
           "Blood drive {day}", NOISE, (date(2024, 3, 4), date(2024, 3, 8)), params=p_generic),

    Single("printer", ["dwhitmore"], M("tbecker", ["itdesk"], ["dwhitmore"], body="""
The big printer outside the second-floor conference room is jamming on every job again. It has a
sign on it now. Can someone take a look {today|this week}? Dana's staff meeting packets are stuck in
it."""),
           "Printer on 2 jamming again", NOISE, (date(2023, 6, 19), date(2023, 6, 23))),

    Single("kudos", ["praman"], M("smarsh", ["allstaff"], greet=False, body="""
I want to recognize the Dayton quality and production teams for passing our IATF 16949 surveillance
audit with zero major findings. This was a lot of work on top of a busy quarter. Thank you all."""),
           "Congratulations on the IATF audit", NOISE, (date(2024, 4, 1), date(2024, 4, 5))),

    Single("5k", ["mfeld"], M("lmoreno", ["allstaff"], greet=False, body="""
Acme is sponsoring a team in the Dayton Turkey Trot 5K on Thanksgiving morning. Company shirts are
free for registered runners and walkers; families are welcome. Sign up on the intranet by November
10."""),
           "Turkey Trot 5K - join the Acme team", NOISE, (date(2023, 10, 30), date(2023, 11, 3))),

    Single("cake", ["gtanaka"], M("rkim", ["gtanaka"], ["lmoreno"], body="""
There is cake in the accounting break room for Maria's tenth anniversary at 2:30. {Please come by|Stop
by} and sign the card, it is on my desk."""),
           "Cake at 2:30", NOISE, (date(2024, 2, 12), date(2024, 2, 16))),

    Single("safety", ["dwhitmore", "praman"], M("tbecker", ["allstaff"], greet=False, body="""
Reminder: safety glasses and hearing protection are required past the yellow line in all production
areas, including for office staff walking through. We had two near misses last month. Thank you for
looking out for each other."""),
           "Safety reminder - PPE on the floor", NOISE, (date(2023, 9, 25), date(2023, 9, 29))),
]


# --------------------------------------------------------------------------- attachments and loose files

def _letterhead(org: str, addr: str) -> tuple:
    return ("pre", f"{org}\n{addr}")


MSA_SECTIONS = [
    ("1. Definitions", [
        "\"Products\" means the GX-400 and GX-250 motor actuator assemblies described in Exhibit A, built "
        "to Buyer's specification AS-7710 and the drawings referenced in it, as revised from time to time "
        "by written agreement.",
        "\"Forecast\" means Buyer's rolling twelve-month forecast of Product requirements, delivered "
        "monthly under Section 6.2.",
    ]),
    ("2. Term", [
        "This Agreement begins on the Effective Date and continues through December 31, 2024, and renews "
        "for successive one-year terms unless either party gives notice of non-renewal at least 120 days "
        "before the end of the then-current term.",
    ]),
    ("4. Pricing and Payment", [
        "4.1 Buyer shall pay the prices set out in Exhibit B. Prices are in U.S. dollars and include "
        "packaging for shipment.",
        "4.2 The prices in Exhibit B are firm and fixed for the Initial Term and are not subject to "
        "adjustment for changes in the cost of raw materials, labor, energy or freight, except as provided "
        "in Section 4.4.",
        "4.3 Seller shall invoice upon shipment. Payment terms are net 45 days from receipt of a correct "
        "invoice. Buyer may withhold payment of any amount it disputes in good faith, provided it pays "
        "the undisputed portion when due.",
        "4.4 Either party may request a price adjustment by giving at least sixty (60) days' written "
        "notice with supporting cost documentation. No adjustment shall take effect unless set out in a "
        "written amendment signed by authorized representatives of both parties.",
    ]),
    ("6. Forecasts, Orders and Delivery", [
        "6.1 Seller shall deliver Products ordered within the Forecast no later than eight (8) weeks after "
        "receipt of Buyer's purchase order. Time of delivery is of the essence.",
        "6.2 Buyer shall provide a rolling twelve-month Forecast on the first business day of each month.",
        "6.3 If Seller anticipates any delay or shortfall, it shall notify Buyer immediately in writing. "
        "Seller shall not allocate its available capacity in a manner that discriminates against Buyer.",
    ]),
    ("8. Quality", [
        "8.1 Seller shall maintain a quality management system certified to IATF 16949.",
        "8.3 Upon a supplier corrective action request, Seller shall provide containment within 24 hours "
        "and a complete 8D report within ten (10) business days.",
        "8.6 Seller shall not change any material, sub-supplier, process or manufacturing location for "
        "the Products without Buyer's prior written approval.",
    ]),
    ("9. Warranty", [
        "9.1 Seller warrants that Products will conform to the specifications and be free from defects in "
        "materials and workmanship for twenty-four (24) months from delivery.",
        "9.3 For nonconforming Products Seller shall, at Buyer's option, repair, replace or credit the "
        "Products and reimburse Buyer's reasonable costs of sorting, rework, removal and reinstallation.",
        "9.5 Except for Seller's obligations under Sections 8.6, 9.3 and 13, neither party is liable for "
        "incidental or consequential damages.",
    ]),
    ("12. Breach and Termination", [
        "12.1 Either party may terminate this Agreement if the other party materially breaches it and "
        "fails to cure the breach within thirty (30) days after written notice describing it.",
        "12.2 A notice of breach shall identify the breach with reasonable particularity and state the "
        "cure demanded.",
    ]),
    ("14. General", [
        "14.1 This Agreement is governed by the laws of the State of Ohio, including the Uniform "
        "Commercial Code as adopted in Ohio.",
        "14.3 A party disputing an invoice shall give written notice of the dispute, stating its basis, "
        "within thirty (30) days after receipt of the invoice.",
        "14.5 Notices shall be in writing and delivered by overnight courier, with a copy by email, to the "
        "addresses set out below the signatures.",
    ]),
]


def b_msa(ctx, s):
    blocks = [("title", "Master Supply Agreement"),
              ("p", "This Master Supply Agreement (the \"Agreement\") is entered into as of February 6, 2023 "
                    "(the \"Effective Date\") between Acme Manufacturing, Inc., an Ohio corporation "
                    "(\"Buyer\"), and Globex Corporation, a Delaware corporation (\"Seller\").")]
    for i, (head, paras) in enumerate(MSA_SECTIONS):
        blocks.append(("h", head))
        blocks.extend(("p", p) for p in paras)
        if i in (2, 5):
            blocks.append(("page",))
    blocks += [("page",), ("h", "Exhibit B - Pricing"),
               ("table", [["Part", "Description", "Unit price (USD)"],
                          ["GX-400", "Motor actuator assembly, 24 V, 400 N", ctx.st["unit"]],
                          ["GX-250", "Motor actuator assembly, 24 V, 250 N", ctx.st["gx250_unit"]]]),
               ("pre", "ACME MANUFACTURING, INC.\nBy: /s/ Steven Marsh, Chief Executive Officer\n\n"
                       "GLOBEX CORPORATION\nBy: /s/ Victor Hale, Vice President, Sales")]
    spec = DocSpec("Master Supply Agreement - Acme Globex (executed).pdf", "Master Supply Agreement",
                   "Globex Contracts", datetime(2023, 2, 6, 16, 12), blocks, creator="Acrobat PDFMaker 23")
    return spec, Coding(True, NOT_PRIV, ("CONTRACT", "PRICING"), CONF)


def b_spec(ctx, s):
    blocks = [("title", "Specification AS-7710 Rev C - Motor Actuator Assembly"),
              ("table", [["Parameter", "Requirement"],
                         ["Rated force", "400 N continuous, 650 N peak"],
                         ["Supply voltage", "24 V DC nominal (18-32 V)"],
                         ["Stroke", "100 mm +/- 0.5 mm"],
                         ["Duty cycle", "25% at rated load, 40 C ambient"],
                         ["Mounting", "4 x M6 bolts, torque 6-8 Nm"],
                         ["Life", "500,000 cycles at rated load"],
                         ["Ingress protection", "IP67"],
                         ["Bearings", "Sealed, lubricated for life; lubricant per approved materials list"]]),
              ("p", "Any change to materials, lubricants, sub-suppliers or manufacturing location requires "
                    "Acme's prior written approval and a new PPAP submission."),
              ("p", "Incoming acceptance: end-of-line torque and noise test at 100%. Lot rejection above "
                    "0.5% nonconforming.")]
    spec = DocSpec("Acme Spec AS-7710 Rev C.pdf", "AS-7710 Rev C", "Priya Raman", datetime(2023, 1, 18, 10, 5),
                   blocks)
    return spec, Coding(True, NOT_PRIV, ("DEFECT", "CONTRACT"), CONF)


def b_price_list(ctx, s):
    st = ctx.st
    rows = [["Part", "Description", "List price", "Surcharge"],
            ["GX-250", "Motor actuator assembly, 250 N", st["gx250_unit"], f"{st['pct']}% from {st['eff']}"],
            ["GX-400", "Motor actuator assembly, 400 N", st["unit"], f"{st['pct']}% from {st['eff']}"],
            ["GX-400HD", "Heavy-duty variant, 400 N", "212.00", "n/a"],
            ["GX-KIT-7", "Mounting kit", "9.40", "n/a"]]
    blocks = [_letterhead("Globex Corporation", "4100 Arlingate Lane, Columbus, OH 43228"),
              ("title", "GX Product Family - Price List"),
              ("table", rows),
              ("p", "Raw material surcharge applies to all shipments on or after the effective date and is "
                    "invoiced as a separate line. Prices subject to change without notice.")]
    return (DocSpec("Globex Price List - GX family.pdf", "GX Price List", "Sandra Ortiz",
                    datetime(2023, 8, 30, 14, 20), blocks),
            Coding(True, NOT_PRIV, ("PRICING",), CONF))


def b_surcharge_notice(ctx, s):
    blocks = [_letterhead("Globex Corporation", "4100 Arlingate Lane, Columbus, OH 43228"),
              ("pre", long_date(ctx.when)),
              ("pre", "Acme Manufacturing, Inc.\nAttn: Marcus Feld, Senior Procurement Manager\n"
                      "2200 Kettering Blvd, Dayton, OH 45439"),
              ("h", f"Notice of Raw Material Surcharge No. {s['notice_no']}"),
              ("p", f"Globex Corporation hereby notifies Acme Manufacturing, Inc. that a raw material surcharge "
                    f"of {s['spct']}% will apply to all GX-400 and GX-250 actuator assemblies shipped on or "
                    f"after {s['seff']}."),
              ("p", f"The surcharge reflects increases of {ctx.st['magnet_pct']}% in the cost of sintered "
                    f"neodymium magnets and {ctx.st['alum_pct']}% in the cost of aluminum housings since "
                    f"February 2023. It will be shown as a separate line item on each invoice."),
              ("p", "Globex values its partnership with Acme and will review the surcharge quarterly."),
              ("pre", "Sincerely,\n\nVictor Hale\nVice President, Sales")]
    return (DocSpec(f"Globex Surcharge Notice {s['notice_no']}.pdf", "Surcharge notice", "Victor Hale",
                    ctx.when - timedelta(hours=3), blocks),
            Coding(True, NOT_PRIV, ("PRICING",), CONF))


def b_invoice(ctx, s):
    blocks = [_letterhead("Globex Corporation", "Remit to: Globex Corporation, Dept. 7781, Columbus, OH 43260"),
              ("title", f"Invoice {s['inv']}"),
              ("table", [["Bill to", "PO number", "Terms", "Invoice date"],
                         ["Acme Manufacturing, Inc.", s["po"], "Net 45", short_date(ctx.when)]]),
              ("table", [["Line", "Item", "Qty", "Unit price", "Amount"],
                         ["1", "GX-400 actuator assembly", s["qty"], s.get("unit", ctx.st["unit"]), s["base"]],
                         ["2", f"RM surcharge {s['ipct']}%", "", "", s["sur"]],
                         ["", "Total due", "", "", s["total"]]]),
              ("p", "Questions about this invoice: ar@globex-corp.com.")]
    return (DocSpec(f"Globex Invoice {s['inv']}.pdf", f"Invoice {s['inv']}", "Globex AR",
                    ctx.when - timedelta(days=1), blocks, creator="SAP"),
            Coding(True, NOT_PRIV, ("PRICING",), CONF))


def b_shortpay_log(ctx, s):
    rng = ctx.rng
    rows = [["Invoice", "Date", "Surcharge short-paid", "Dispute notice"]]
    d = ctx.when - timedelta(days=70)
    for _ in range(rng.randint(4, 7)):
        d += timedelta(days=rng.randint(6, 13))
        rows.append([f"GX-{rng.randint(231000, 249999)}", short_date(d), money(rng.uniform(9000, 48000)),
                     rng.choice(["sent", "sent", "pending"])])
    rows.append([s["inv"], short_date(ctx.when), s["sur"], "pending"])
    blocks = [("h", "Globex disputed surcharge log (AP)"), ("table", rows),
              ("p", "Reason code PV-DISP. Running total per AP aging; copy remittance notes to G. Tanaka.")]
    return (DocSpec("Disputed surcharge log.txt", "", "Rachel Kim", ctx.when, blocks),
            Coding(True, NOT_PRIV, ("PRICING",), CONF))


def b_scar(ctx, s):
    blocks = [("title", f"Supplier Corrective Action Request SCAR-{s['scar']}"),
              ("table", [["Field", "Value"],
                         ["Supplier", "Globex Corporation"], ["Part", "GX-400 actuator assembly"],
                         ["Lot", s["lot"]], ["Quantity affected", s["lot_qty"]],
                         ["Defect", "Bearing noise and stall under load at end-of-line test"],
                         ["Failure rate", f"{s['rate']}% ({s['n_fail']} of {s['n_tested']})"],
                         ["Containment due", "24 hours"], ["8D due", "10 business days"]]),
              ("p", "Required: containment of all suspect stock at Globex and in transit, root cause analysis, "
                    "permanent corrective action, verification of effectiveness and prevention of recurrence."),
              ("pre", "Issued by: Priya Raman, Director, Quality Engineering")]
    return (DocSpec(f"SCAR-{s['scar']}.docx", f"SCAR-{s['scar']}", "Priya Raman", ctx.when, blocks),
            Coding(True, NOT_PRIV, ("DEFECT",), CONF))


def b_initech_quote(ctx, s):
    blocks = [_letterhead("Initech Motion Systems", "900 Commerce Park Dr, Fort Wayne, IN 46825"),
              ("title", f"Quotation Q-{s['quote']}"),
              ("table", [["Item", "Description", "Annual qty", "Unit price"],
                         ["IMS-420", "Linear actuator to Acme AS-7710 Rev C", ctx.st["vol"], ctx.st["init_unit"]],
                         ["TOOL-420", "One-time tooling", "1", ctx.st["tooling"]]]),
              ("p", "Lead time: six weeks after receipt of PO for production quantities. PPAP level 3 "
                    "included. Quotation valid 60 days. Prices firm for 12 months from first shipment."),
              ("pre", "Paula Grant, Regional Sales Manager")]
    return (DocSpec(f"Initech Quote Q-{s['quote']}.pdf", f"Quotation Q-{s['quote']}", "Paula Grant",
                    ctx.when - timedelta(hours=2), blocks),
            Coding(True, NOT_PRIV, ("DAMAGES",), AEO))


def b_draft_notice(ctx, s):
    blocks = [("pre", "DRAFT 3 - HV comments - " + short_date(ctx.when)),
              ("pre", "[ACME LETTERHEAD]\n\nVia overnight courier and email\n\nVictor Hale\nGlobex Corporation"),
              ("h", "Re: Notice of Breach and Demand for Cure - Master Supply Agreement dated February 6, 2023"),
              ("p", "1. Acme Manufacturing, Inc. gives notice under Section 12.2 that Globex is in material "
                    "breach of the Agreement."),
              ("p", f"2. Since {ctx.st['eff']} Globex has invoiced a raw material surcharge that Sections 4.2 "
                    "and 4.4 do not permit, and has conditioned its allocation of capacity on Acme's "
                    "acceptance of the surcharge, contrary to Section 6.3."),
              ("p", f"3. GX-400 lots {ctx.st['first_lot']} through {ctx.st['last_lot']} were built with a "
                    "bearing lubricant Globex's sub-supplier changed without Acme's approval (Section 8.6). "
                    f"At least {s['n_returns']} units have failed in the field. [HV NOTE: confirm count with "
                    "Priya before sending.]"),
              ("p", "4. Globex has failed to deliver against purchase orders within the eight-week lead time "
                    "required by Section 6.1."),
              ("p", "5. Acme demands that Globex cure these breaches within thirty days. [HV NOTE: consider "
                    "whether to quantify damages here or reserve; we recommend reserving.]")]
    return (DocSpec("Draft Notice of Breach (HV draft 3).docx", "Notice of Breach - DRAFT", "Richard B. Sanders",
                    ctx.when - timedelta(hours=1), blocks, header=LEGEND_WP, revision=3),
            Coding(True, WP, ("CONTRACT", "DEFECT"), None))


def b_notice_final(ctx, s):
    blocks = [_letterhead("Acme Manufacturing, Inc.", "2200 Kettering Blvd, Dayton, OH 45439"),
              ("pre", long_date(ctx.when) + "\n\nVia overnight courier and email\n\nVictor Hale\n"
                      "Vice President, Sales\nGlobex Corporation\n4100 Arlingate Lane, Columbus, OH 43228"),
              ("h", "Re: Notice of Breach and Demand for Cure"),
              ("p", "Acme Manufacturing, Inc. gives notice under Section 12.2 of the Master Supply Agreement "
                    "dated February 6, 2023 that Globex Corporation is in material breach of the Agreement."),
              ("p", f"Since {ctx.st['eff']} Globex has invoiced a raw material surcharge that Sections 4.2 and "
                    "4.4 do not permit, and has conditioned its allocation of capacity on Acme's acceptance of "
                    "that surcharge, contrary to Section 6.3."),
              ("p", f"GX-400 lots {ctx.st['first_lot']} through {ctx.st['last_lot']} were built with a bearing "
                    "lubricant changed without Acme's approval, in breach of Section 8.6, and "
                    f"{ctx.st['n_returns2']} units have failed in the field to date."),
              ("p", "Globex has also failed to deliver against purchase orders within the lead time required "
                    "by Section 6.1."),
              ("p", "Acme demands that Globex cure these breaches within thirty days of this notice. Acme "
                    "reserves all of its rights and remedies."),
              ("pre", "Very truly yours,\n\nElaine Porter\nGeneral Counsel")]
    return (DocSpec(f"Acme Notice of Breach to Globex {ctx.when:%Y-%m-%d}.pdf", "Notice of Breach",
                    "Elaine Porter", ctx.when - timedelta(hours=2), blocks),
            Coding(True, NOT_PRIV, ("CONTRACT", "DEFECT", "PRICING", "DELIVERY"), None))


def b_bq_letter(ctx, s):
    blocks = [_letterhead("Baxter Quinn LLP", "41 South High Street, Columbus, OH 43215"),
              ("pre", long_date(ctx.when) + "\n\nElaine Porter, General Counsel\nAcme Manufacturing, Inc."),
              ("h", "Re: Acme Manufacturing, Inc. / Globex Corporation"),
              ("p", "We represent Globex Corporation. Globex rejects the assertions in your notice of breach. "
                    "The raw material surcharge was properly noticed and reflects extraordinary cost "
                    "increases that neither party contemplated. Globex has allocated its capacity fairly "
                    "among all of its customers."),
              ("p", "As to the GX-400, Globex has honored its warranty by crediting nonconforming units. "
                    "Section 9.5 of the Agreement bars Acme's claims for incidental and consequential "
                    "damages, including customer chargebacks and the cost of substitute goods."),
              ("p", "Globex remains willing to discuss a commercial resolution, including the amendment it "
                    "proposed in February. Please direct all communications to me."),
              ("pre", "Sincerely,\n\nJonathan Price")]
    return (DocSpec("Baxter Quinn Letter to Acme.pdf", "Letter to Acme", "Jonathan Price",
                    ctx.when - timedelta(hours=1), blocks),
            Coding(True, NOT_PRIV, ("CONTRACT", "DEFECT", "DAMAGES"), None))


def b_qbr_agenda(ctx, s):
    blocks = [("title", f"Globex / Acme Quarterly Business Review - {s['qbr_date']}"),
              ("bullets", ["Welcome and introductions (V. Hale)", "Volume review and 2024 forecast",
                           "Quality performance and open SCARs", "Commodity outlook and pricing",
                           "New product roadmap: GX-500 preview", "Action items"])]
    return (DocSpec("QBR agenda - Acme.docx", "QBR agenda", "Sandra Ortiz", ctx.when, blocks),
            Coding(True, NOT_PRIV, ("PRICING", "DELIVERY"), CONF))


def b_warranty_claim(ctx, s):
    rng = ctx.rng
    claim = float(s["claim"].replace(",", ""))
    parts = [0.34, 0.22, 0.11]
    vals = [claim * p * rng.uniform(0.9, 1.1) for p in parts]
    vals.append(claim - sum(vals))
    blocks = [("title", f"Warranty Claim WC-{s['wc']}"),
              ("p", f"GX-400 actuator assemblies, lots {s['lot']} through {s['lot2']}. Claim under Sections 9.1 "
                    "and 9.3 of the Master Supply Agreement."),
              ("table", [["Category", "Amount (USD)"],
                         ["Replacement units", money(vals[0])], ["Line sort and rework labor", money(vals[1])],
                         ["Expedited freight", money(vals[2])], ["Customer chargebacks (Northfield)", money(vals[3])],
                         ["Total", s["claim"]]])]
    return (DocSpec(f"Warranty Claim WC-{s['wc']}.pdf", f"WC-{s['wc']}", "Greg Tanaka", ctx.when, blocks),
            Coding(True, NOT_PRIV, ("DEFECT", "DAMAGES"), CONF))


def b_amendment(ctx, s):
    blocks = [("title", "Amendment No. 2 to Master Supply Agreement"),
              ("pre", "GLOBEX PROPOSAL - FOR DISCUSSION"),
              ("p", f"1. Pricing. Effective April 1, 2024 the GX-400 unit price shall be increased by "
                    f"{ctx.st['pct2']}% and thereafter adjusted quarterly by reference to the published NdPr "
                    "oxide price index."),
              ("p", "2. Supply. Seller shall supply 100% of Buyer's Forecast for the GX-400 and GX-250."),
              ("p", "3. Release. Buyer releases Seller from all claims, known or unknown, arising under the "
                    "Agreement before the Amendment Effective Date."),
              ("p", "4. Term. The term of the Agreement is extended through December 31, 2026.")]
    return (DocSpec("Amendment No 2 - Globex proposal.docx", "Amendment No. 2", "Victor Hale", ctx.when, blocks,
                    revision=4),
            Coding(True, NOT_PRIV, ("PRICING", "CONTRACT"), CONF))


ATTACHMENTS = {
    "msa": b_msa, "spec": b_spec, "price_list": b_price_list,  # shared: the same bytes wherever used
    "surcharge_notice": b_surcharge_notice, "invoice": b_invoice, "shortpay_log": b_shortpay_log,
    "scar_form": b_scar, "initech_quote": b_initech_quote, "draft_notice": b_draft_notice,
    "notice_final": b_notice_final, "bq_letter": b_bq_letter, "qbr_agenda": b_qbr_agenda,
    "warranty_claim": b_warranty_claim, "amendment_draft": b_amendment,
}
SHARED = {"msa", "spec", "price_list"}


# ---- loose files

def l_msa(ctx, v):
    return b_msa(ctx, {})


def l_spec(ctx, v):
    return b_spec(ctx, {})


def l_invoice(ctx, v):
    rng = ctx.rng
    qty = rng.choice([900, 1200, 2000])
    base = qty * ctx.st["unit_f"]
    sur = base * ctx.st["pct_f"] / 100
    s = {"inv": f"GX-{rng.randint(231000, 249999)}", "po": f"4500{rng.randint(100000, 999999)}",
         "qty": f"{qty:,}", "base": money(base), "sur": money(sur), "total": money(base + sur),
         "ipct": ctx.st["pct"]}
    return b_invoice(ctx, s)


def l_failure_report(ctx, v):
    rng, st = ctx.rng, ctx.st
    rows = [["Lot", "Units tested", "Failures", "Rate"]]
    base = int(st["first_lot"][3:5])
    for w in range(base, base + 12):
        t = rng.choice([240, 300, 360])
        f = rng.randint(4, 30)
        rows.append([f"G23{w}{rng.choice('ABC')}", str(t), str(f), f"{100 * f / t:.1f}%"])
    blocks = [("title", "GX-400 Failure Analysis Report"),
              ("pre", f"Acme Manufacturing, Inc. - Quality Engineering\nReport QE-{ctx.when:%y}-031\n"
                      f"{long_date(ctx.when)}"),
              ("h", "1. Summary"),
              ("p", "Beginning in September 2023, GX-400 actuators from Globex failed end-of-line testing and "
                    "in the field at rates far above the 0.5% acceptance limit. The failure mode is bearing "
                    "noise progressing to stall under load. Teardown shows pitting of the rear bearing race "
                    "and contaminated lubricant."),
              ("h", "2. Method"),
              ("p", "Failed units from the Dayton line and from field returns were torn down and compared with "
                    "retained good units. Lubricant samples were analyzed by FTIR at an outside lab. Mounting "
                    "torque and installation were audited on all three lines."),
              ("page",),
              ("h", "3. Results by lot"), ("table", rows),
              ("h", "4. Root cause"),
              ("p", f"The lubricant in failed bearings does not match the grease on the approved materials list. "
                    f"Globex confirmed that its bearing sub-supplier changed grease in {st['change_month']} "
                    "without notice. Installation torque on Acme lines was within specification throughout."),
              ("page",),
              ("h", "5. Recommendations"),
              ("bullets", ["Continue 100% run-in testing of incoming GX-400 lots.",
                           f"Retain all failed units and lots {st['first_lot']} through {st['last_lot']}.",
                           "Qualify a second source for the GX-400 application.",
                           "Require Globex to re-submit PPAP for the bearing change."])]
    return (DocSpec("GX-400 Failure Analysis Report.pdf", "GX-400 Failure Analysis", "Priya Raman", ctx.when,
                    blocks),
            Coding(True, NOT_PRIV, ("DEFECT",), CONF))


def l_8d(ctx, v):
    st = ctx.st
    blocks = [_letterhead("Globex Corporation", "Quality Department"),
              ("title", "8D Report - GX-400 Bearing Noise / Stall"),
              ("table", [["Discipline", "Summary"],
                         ["D1 Team", "K. Mabry (lead), plant quality, sub-supplier quality engineer"],
                         ["D2 Problem", "Bearing noise and stall under load reported by Acme, SCAR open"],
                         ["D3 Containment", "100% run-in test of all GX-400 before shipment"],
                         ["D4 Root cause", f"Sub-supplier lubricant change in {st['change_month']}; "
                                           "contaminated grease lot"],
                         ["D5 Corrective action", "Revert to approved grease; sub-supplier audit"],
                         ["D6 Verification", "Run-in results on 12 consecutive lots, zero failures"],
                         ["D7 Prevention", "Change-control clause added to sub-supplier agreement"],
                         ["D8 Closure", "Pending Acme acceptance"]])]
    return (DocSpec("Globex 8D Report - GX-400.pdf", "8D Report", "Ken Mabry", ctx.when, blocks),
            Coding(True, NOT_PRIV, ("DEFECT",), CONF))


def l_tally(ctx, v):
    rng, st = ctx.rng, ctx.st
    wk = ctx.when.isocalendar()[1]
    blocks = [("h", f"GX-400 returns tally - week {wk}"),
              ("pre", f"Prepared by: Quality Engineering\nDate: {short_date(ctx.when)}"),
              ("table", [["Source", "This week", "Cumulative"],
                         ["Field returns", str(rng.randint(10, 40)), str(rng.randint(140, 360))],
                         ["Dayton line failures", str(rng.randint(1, 14)), str(rng.randint(60, 190))],
                         ["Northfield RMAs", str(rng.randint(0, 9)), str(rng.randint(30, 80))]]),
              ("p", f"All failures trace to suspect lots {st['first_lot']} through {st['last_lot']}. "
                    + rng.choice(["No failures on post-containment lots.",
                                  "One post-containment unit under investigation; likely handling damage.",
                                  "Post-containment lots clean so far."]))]
    return (DocSpec(f"GX-400 returns tally wk{wk:02d}.txt", "", "Priya Raman", ctx.when, blocks),
            Coding(True, NOT_PRIV, ("DEFECT",), CONF))


def l_wp_root_cause(ctx, v):
    st = ctx.st
    blocks = [("title", "Memorandum"),
              ("pre", "TO: Richard B. Sanders, Hollister & Vance LLP; Elaine Porter, General Counsel\n"
                      f"FROM: Priya Raman\nDATE: {long_date(ctx.when)}\n"
                      "RE: GX-400 failures - technical analysis for counsel"),
              ("p", "This memorandum was prepared at the direction of counsel in anticipation of litigation with "
                    "Globex Corporation and summarizes my analysis of the GX-400 failures as requested by "
                    "Mr. Sanders."),
              ("p", f"In my opinion the failures are caused by the lubricant change at Globex's sub-supplier in "
                    f"{st['change_month']}. Globex's early suggestion that Acme over-torqued the mounting bolts "
                    "is not supported: our torque audit and the bench failures of never-installed units rule "
                    "it out."),
              ("p", "Weaknesses counsel should know about: our incoming inspection did not include a noise test "
                    "until September, so we cannot prove when the first defective lots arrived, and two early "
                    "field returns were scrapped before teardown."),
              ("p", "I can prepare a fuller chronology and a lot-by-lot failure table if that would help.")]
    return (DocSpec("Memo to counsel - GX-400 technical analysis.docx", "Memo to counsel", "Priya Raman",
                    ctx.when, blocks, header=LEGEND_WP, revision=2),
            Coding(True, WP, ("DEFECT",), None))


def l_wp_chronology(ctx, v):
    st = ctx.st
    rows = [["Date", "Event", "Source"],
            ["2/6/2023", "Master Supply Agreement signed; fixed pricing through 2024", "MSA"],
            ["late May 2023", f"Globex surcharge notice ({st['pct']}% from {st['eff']})", "S. Ortiz email"],
            ["June 2023", "Globex sub-supplier changes bearing grease without notice", "Globex 8D"],
            ["July 2023", "Acme begins short-paying surcharge lines", "AP log"],
            ["Aug. 2023", "Globex ties allocation to surcharge acceptance", "S. Ortiz / A. Cho emails"],
            ["Sept. 2023", "Line failures at Dayton; SCAR issued", "P. Raman"],
            ["Oct. 2023", "Initech approved as cover source", "M. Feld"],
            ["Nov. 2023", "Northfield field failures and chargeback", "J. Wu"],
            ["Feb. 2024", "Globex proposes Amendment No. 2 with general release", "V. Hale"]]
    blocks = [("title", "Chronology - Acme / Globex"),
              ("p", "Prepared at the direction of Hollister & Vance LLP in anticipation of litigation. Contains "
                    "counsel's selection and characterization of events; do not circulate."),
              ("table", rows),
              ("p", "Counsel's notes: the August allocation emails are the strongest evidence of bad faith; "
                    "confirm whether Globex said the same thing orally at the October QBR.")]
    return (DocSpec("Chronology - prepared at the direction of counsel.docx", "Chronology", "Dana Whitmore",
                    ctx.when, blocks, header=LEGEND_WP, revision=6),
            Coding(True, WP, ("PRICING", "DEFECT", "DELIVERY", "CONTRACT"), None))


def l_wp_damages(ctx, v):
    rng, st = ctx.rng, ctx.st
    vals = {"Cover price difference (Initech)": rng.uniform(380, 520) * 1000,
            "Initech tooling": float(st["tooling"].replace(",", "")),
            "Expedited freight": rng.uniform(90, 160) * 1000,
            "Overtime and line downtime": rng.uniform(150, 260) * 1000,
            "Rework and replacement": rng.uniform(600, 900) * 1000,
            "Customer chargebacks": rng.uniform(300, 450) * 1000,
            "Disputed surcharge (not paid)": rng.uniform(500, 800) * 1000}
    rows = [["Category", "Amount (USD)", "Counsel comment"]]
    comments = ["Strong - contract price fixed", "Recoverable as cover", "Depends on 9.5 argument",
                "Need timesheets", "Strong - 9.3", "Consequential? see 9.5 carve-out", "Defensive only"]
    for (k, val), c in zip(vals.items(), comments):
        rows.append([k, money(val), c])
    rows.append(["Total", money(sum(vals.values())), ""])
    blocks = [("title", "GX-RECOVERY - Damages Estimate"),
              ("p", "Prepared by Finance at the request of Hollister & Vance LLP for use in evaluating Acme's "
                    "claims against Globex. Draft; figures subject to counsel's review."),
              ("table", rows)]
    return (DocSpec("GX-RECOVERY damages estimate - for Hollister & Vance.docx", "Damages estimate",
                    "Greg Tanaka", ctx.when, blocks, header=LEGEND_WP, revision=5),
            Coding(True, WP, ("DAMAGES",), None))


def l_scorecard(ctx, v):
    rng = ctx.rng
    q = v["q"]
    otd = rng.randint(58, 88)
    blocks = [("title", f"Supplier Scorecard - Globex Corporation - Q{q} 2023"),
              ("table", [["Metric", "Target", "Actual", "Status"],
                         ["On-time delivery", "95%", f"{otd}%", "Red" if otd < 90 else "Yellow"],
                         ["Quality (PPM)", "500", str(rng.randint(400, 30000) if q >= 3 else rng.randint(150, 480)),
                          "Red" if q >= 3 else "Green"],
                         ["Invoice accuracy", "98%", f"{rng.randint(60, 80) if q >= 3 else 99}%",
                          "Red" if q >= 3 else "Green"],
                         ["Responsiveness", "Meets", rng.choice(["Meets", "Below"]), ""]]),
              ("p", "Comments: " + {1: "Solid start under the new agreement.",
                                    2: "Surcharge notice received in May; disputed. Deliveries slipping.",
                                    3: "Allocation cuts and GX-400 quality escape (SCAR open). Invoices "
                                       "include disputed surcharge.",
                                    4: "Second source (Initech) in PPAP. Globex 8D pending closure."}[q])]
    return (DocSpec(f"Supplier scorecard Globex Q{q} 2023.docx", f"Scorecard Q{q}", "Marcus Feld", ctx.when, blocks),
            Coding(True, NOT_PRIV, ("DELIVERY", "PRICING", "DEFECT") if q >= 3 else ("DELIVERY", "PRICING"), CONF))


def l_call_notes(ctx, v):
    rng, st = ctx.rng, ctx.st
    blocks = [("h", f"Call with Sandra Ortiz (Globex) - {short_date(ctx.when)}"),
              ("pre", "Attendees: M. Feld, S. Ortiz, V. Hale (first 10 min)"),
              ("bullets", [f"Globex repeated that the {st['pct']}% surcharge is non-negotiable.",
                           "Victor: customers who accepted surcharge get first call on capacity. Wrote this down "
                           "verbatim.",
                           f"I said we pay contract price, Section 4.2. Did not agree to anything.",
                           rng.choice(["Sandra hinted a 'compromise' index is coming.",
                                       "They want a QBR in October to 'reset the relationship'."]),
                           "Follow-up: send Dana a summary, check open POs."])]
    return (DocSpec(f"Call notes - Globex {ctx.when:%Y-%m-%d}.txt", "", "Marcus Feld", ctx.when, blocks),
            Coding(True, NOT_PRIV, ("PRICING", "DELIVERY"), CONF))


def l_ops_notes(ctx, v):
    """Meeting notes with one privileged section: partially privileged."""
    rng = ctx.rng
    blocks = [("h", f"Ops review - {short_date(ctx.when)}"),
              ("pre", "Present: D. Whitmore, T. Becker, M. Feld, P. Raman, G. Tanaka"),
              ("p", f"Production: Dayton lines at {rng.randint(78, 91)}% of plan. Line 3 down two shifts last week "
                    "waiting on GX-400s; GX-250 builds pulled forward."),
              ("p", f"Supply: Initech first production lot due {rng.choice(['next week', 'in two weeks'])}. Globex "
                    "still shipping about half of ordered quantity."),
              ("priv", "Legal (Elaine, privileged): outside counsel advises that we document every allocation "
                       "shortfall in writing to Globex and keep a separate cost record for each, because these "
                       "support a claim for cover damages; Richard Sanders will decide in the next month whether "
                       "to recommend sending a formal notice of breach."),
              ("p", f"Quality: {rng.randint(14, 33)} field returns this week, all suspect lots."),
              ("p", "Actions: Marcus to send shortfall letter for the latest PO; Greg to split costs by category.")]
    return (DocSpec(f"Ops review notes {ctx.when:%Y-%m-%d}.txt", "", "Dana Whitmore", ctx.when, blocks),
            Coding(True, NOT_PRIV, ("DELIVERY", "DAMAGES", "DEFECT"), CONF))


def l_timeline_txt(ctx, v):
    blocks = [("h", "Globex escalation - my notes"),
              ("bullets", ["May: surcharge notice. Marcus pushed back same day.",
                           "Aug: Alan Cho says allocation set by sales; 'price list customers first'.",
                           "Sept: line 3 failures, SCAR. Globex blamed our torque at first.",
                           "Oct: approved Initech as second source. Tooling paid.",
                           "Nov: Northfield chargeback. Told Jason to accept and track."]),
              ("p", "Need to pull all of this together for the board update in January.")]
    return (DocSpec("Globex escalation notes.txt", "", "Dana Whitmore", ctx.when, blocks),
            Coding(True, NOT_PRIV, ("PRICING", "DELIVERY", "DEFECT", "DAMAGES"), CONF))


def l_board_update(ctx, v):
    rng, st = ctx.rng, ctx.st
    blocks = [("title", "Operations Update to the Board"),
              ("pre", f"{ctx.when:%B %Y} - Dana Whitmore, VP Operations"),
              ("h", "Globex"),
              ("p", f"Globex imposed a {st['pct']}% surcharge in July in breach of the fixed-price terms; we are "
                    f"short-paying it (about ${st['impact']} a year at forecast). Deliveries have been cut to "
                    "roughly half of orders since August."),
              ("p", f"GX-400 quality escape: {st['n_returns']} field returns to date, root cause confirmed at "
                    "Globex's sub-supplier. Northfield chargebacks paid and tracked for recovery."),
              ("h", "Financial impact to date"),
              ("table", [["Item", "USD"],
                         ["Cover purchases (price difference)", money(rng.uniform(180, 260) * 1000)],
                         ["Rework, freight and overtime", money(rng.uniform(700, 950) * 1000)],
                         ["Customer chargebacks", money(rng.uniform(300, 420) * 1000)]]),
              ("h", "Other"),
              ("p", "IATF surveillance audit passed with zero major findings. Headcount flat.")]
    return (DocSpec(f"Board operations update {ctx.when:%Y-%m}.docx", "Board update", "Dana Whitmore", ctx.when,
                    blocks, revision=3),
            Coding(True, NOT_PRIV, ("PRICING", "DELIVERY", "DEFECT", "DAMAGES"), AEO))


def l_recon(ctx, v):
    rng = ctx.rng
    rows = [["Month", "Invoiced surcharge", "Short-paid", "Dispute notices"]]
    total = 0.0
    for m in ["Jul 2023", "Aug 2023", "Sep 2023", "Oct 2023", "Nov 2023", "Dec 2023"]:
        x = rng.uniform(38000, 76000)
        total += x
        rows.append([m, money(x), money(x), str(rng.randint(3, 8))])
    rows.append(["Total", money(total), money(total), ""])
    blocks = [("h", "Globex surcharge reconciliation - H2 2023"), ("table", rows),
              ("p", "All surcharge lines short-paid under reason code PV-DISP. Undisputed amounts paid within "
                    "terms.")]
    return (DocSpec("Globex surcharge reconciliation H2 2023.txt", "", "Greg Tanaka", ctx.when, blocks),
            Coding(True, NOT_PRIV, ("PRICING",), AEO))


def l_dd_form(ctx, v):
    pii = ctx.pii
    blocks = [("title", "Direct Deposit Authorization"),
              ("table", [["Field", "Value"], ["Employee", "Greg Tanaka"], ["Employee ID", "A-10442"],
                         ["SSN", pii.ssn()], ["Date of birth", pii.dob()], ["Home phone", pii.phone("937")],
                         ["Bank", "Fifth Third Bank"], ["Routing number", pii.aba_routing()],
                         ["Account number", pii.bank_account()], ["Account type", "Checking"]]),
              ("p", "I authorize Acme Manufacturing, Inc. to deposit my net pay to the account above and, if "
                    "necessary, to reverse entries made in error."),
              ("pre", "Signature: /s/ Greg Tanaka")]
    return (DocSpec("Direct deposit authorization.docx", "Direct Deposit Authorization", "Greg Tanaka",
                    ctx.when, blocks),
            NOISE)


def l_expense_pdf(ctx, v):
    rng, pii = ctx.rng, ctx.pii
    card = pii.payment_card("amex", sep="-")
    rows = [["Date", "Description", "Amount"]]
    for d in ["Hotel - Hyatt Regency Chicago", "Airfare DAY-ORD", "Taxi", "Dinner with team", "Registration"]:
        rows.append([short_date(ctx.when - timedelta(days=rng.randint(3, 9))), d, money(rng.uniform(24, 780))])
    blocks = [("title", "Expense Report"),
              ("table", [["Employee", "Greg Tanaka"], ["Purpose", "FEI Financial Leadership Summit"],
                         ["Corporate card", card], ["Approver", "Steven Marsh"]]),
              ("table", rows)]
    return (DocSpec(f"Expense report {ctx.when:%Y-%m}.pdf", "Expense report", "Greg Tanaka", ctx.when, blocks,
                    creator="Concur"),
            NOISE)


def l_offsite_agenda(ctx, v):
    blocks = [("title", "Operations Leadership Offsite"),
              ("bullets", ["8:30 Breakfast", "9:00 2024 operating plan", "10:30 Safety culture workshop",
                           "12:00 Lunch", "1:00 Lean deployment: what worked", "3:00 Team building",
                           "5:00 Dinner"])]
    return (DocSpec("Offsite agenda.docx", "Offsite agenda", "Dana Whitmore", ctx.when, blocks), NOISE)


def l_fantasy_txt(ctx, v):
    rng = ctx.rng
    names = ["Bijan Robinson", "CeeDee Lamb", "Travis Kelce", "Puka Nacua", "Josh Allen", "Breece Hall",
             "Tyreek Hill", "Sam LaPorta", "Kyren Williams", "Jalen Hurts", "Justin Jefferson", "Saquon Barkley"]
    rng.shuffle(names)
    blocks = [("h", "Draft board - DO NOT SHARE WITH BRIAN"),
              ("bullets", [f"Round {i + 1}: {n}" for i, n in enumerate(names[:8])]),
              ("p", "Sleepers: whoever the Bengals backup RB is. Avoid kickers until the last round.")]
    return (DocSpec("fantasy draft board.txt", "", "Marcus Feld", ctx.when, blocks), NOISE)


def l_quality_newsletter(ctx, v):
    blocks = [("title", "Quality Matters - Dayton Quality Newsletter"),
              ("h", "Audit season"),
              ("p", "Our IATF 16949 surveillance audit is scheduled for March. Thank you to everyone updating "
                    "work instructions and calibration records."),
              ("h", "Kaizen corner"),
              ("p", "Line 2 cut changeover time from 42 to 18 minutes by staging fixtures on a shadow board. "
                    "Ask the line 2 team for a tour."),
              ("h", "Welcome"),
              ("p", "Please welcome two new quality technicians on second shift.")]
    return (DocSpec("Quality newsletter - February.pdf", "Quality Matters", "Priya Raman", ctx.when, blocks), NOISE)


def l_handbook(ctx, v):
    blocks = [("title", "Employee Handbook - Section 7: Time Off"),
              ("p", "Full-time employees accrue paid time off each pay period according to years of service. "
                    "Requests should be submitted through the HR portal at least two weeks in advance."),
              ("p", "Acme observes the following paid holidays: New Year's Day, Memorial Day, Independence Day, "
                    "Labor Day, Thanksgiving and the day after, and Christmas Eve and Christmas Day."),
              ("page",),
              ("h", "Bereavement and jury duty"),
              ("p", "Employees may take up to five paid days for the death of an immediate family member and "
                    "will be paid their regular wages while serving on a jury.")]
    return (DocSpec("Employee handbook - time off.pdf", "Employee Handbook", "Human Resources", ctx.when, blocks),
            NOISE)


def l_personal_todo(ctx, v):
    blocks = [("h", "To do"),
              ("bullets", ["Renew car registration", "Book dentist for the kids", "Call about the gutter estimate",
                           "Pick up dry cleaning Thursday", "Soccer snack schedule - our week is the 14th"])]
    return (DocSpec("todo.txt", "", "Greg Tanaka", ctx.when, blocks), NOISE)


def l_recipe(ctx, v):
    blocks = [("h", "Chili cook-off entry - Marcus"),
              ("bullets", ["2 lb ground chuck", "1 lb chorizo", "2 cans fire-roasted tomatoes", "3 ancho chiles",
                           "1 bottle dark beer", "Cumin, smoked paprika, a little cocoa"]),
              ("p", "Brown the meat in batches. Simmer at least three hours. Do not tell anyone about the cocoa.")]
    return (DocSpec("chili recipe.txt", "", "Marcus Feld", ctx.when, blocks), NOISE)


LOOSE_BUILDERS = {
    "msa": l_msa, "spec": l_spec, "invoice": l_invoice, "failure_report": l_failure_report, "8d": l_8d,
    "tally": l_tally, "wp_root_cause": l_wp_root_cause, "wp_chronology": l_wp_chronology,
    "wp_damages": l_wp_damages, "scorecard": l_scorecard, "call_notes": l_call_notes, "ops_notes": l_ops_notes,
    "timeline": l_timeline_txt, "board": l_board_update, "recon": l_recon, "dd_form": l_dd_form,
    "expense_pdf": l_expense_pdf, "offsite_agenda": l_offsite_agenda, "fantasy_txt": l_fantasy_txt,
    "quality_newsletter": l_quality_newsletter, "handbook": l_handbook, "todo": l_personal_todo,
    "recipe": l_recipe,
}

LOOSE: list[Loose] = [
    # Dana Whitmore
    Loose("dwhitmore", "Documents/Contracts", "msa", (date(2023, 2, 7), date(2023, 2, 10))),
    Loose("dwhitmore", "Documents/Legal", "wp_chronology", (date(2024, 3, 4), date(2024, 3, 8))),
    Loose("dwhitmore", "Documents/Board", "board", (date(2024, 1, 22), date(2024, 1, 26))),
    Loose("dwhitmore", "Documents/Notes", "timeline", (date(2023, 12, 4), date(2023, 12, 8))),
    Loose("dwhitmore", "Documents/Notes", "ops_notes", (date(2024, 1, 8), date(2024, 1, 12))),
    Loose("dwhitmore", "Documents/Offsite", "offsite_agenda", (date(2023, 9, 11), date(2023, 9, 15))),
    Loose("dwhitmore", "Documents/HR", "handbook", (date(2023, 3, 6), date(2023, 3, 10))),
    # Marcus Feld
    Loose("mfeld", "Documents/Globex", "scorecard", (date(2023, 4, 10), date(2023, 4, 14)), {"q": 1}),
    Loose("mfeld", "Documents/Globex", "scorecard", (date(2023, 7, 10), date(2023, 7, 14)), {"q": 2}),
    Loose("mfeld", "Documents/Globex", "scorecard", (date(2023, 10, 9), date(2023, 10, 13)), {"q": 3}),
    Loose("mfeld", "Documents/Globex", "scorecard", (date(2024, 1, 8), date(2024, 1, 12)), {"q": 4}),
    Loose("mfeld", "Documents/Globex", "call_notes", (date(2023, 8, 21), date(2023, 8, 25))),
    Loose("mfeld", "Documents/Globex", "call_notes", (date(2023, 11, 13), date(2023, 11, 17))),
    Loose("mfeld", "Documents/Specs", "spec", (date(2023, 1, 19), date(2023, 1, 20))),
    Loose("mfeld", "Documents/Personal", "fantasy_txt", (date(2023, 8, 28), date(2023, 9, 1))),
    Loose("mfeld", "Documents/Personal", "recipe", (date(2023, 10, 2), date(2023, 10, 6))),
    # Priya Raman
    Loose("praman", "Documents/Quality", "failure_report", (date(2023, 11, 20), date(2023, 11, 24))),
    Loose("praman", "Documents/Quality", "8d", (date(2023, 10, 9), date(2023, 10, 13))),
    Loose("praman", "Documents/Quality/Tallies", "tally", (date(2023, 10, 16), date(2023, 10, 20))),
    Loose("praman", "Documents/Quality/Tallies", "tally", (date(2023, 11, 6), date(2023, 11, 10))),
    Loose("praman", "Documents/Quality/Tallies", "tally", (date(2024, 1, 15), date(2024, 1, 19))),
    Loose("praman", "Documents/Legal", "wp_root_cause", (date(2023, 12, 11), date(2023, 12, 15))),
    Loose("praman", "Documents/Specs", "spec", (date(2023, 1, 18), date(2023, 1, 19))),
    Loose("praman", "Documents/Newsletters", "quality_newsletter", (date(2024, 2, 5), date(2024, 2, 9))),
    # Greg Tanaka
    Loose("gtanaka", "Documents/AP", "invoice", (date(2023, 7, 24), date(2023, 7, 28))),
    Loose("gtanaka", "Documents/AP", "invoice", (date(2023, 9, 11), date(2023, 9, 15))),
    Loose("gtanaka", "Documents/AP", "recon", (date(2024, 1, 8), date(2024, 1, 12))),
    Loose("gtanaka", "Documents/Finance", "wp_damages", (date(2024, 2, 26), date(2024, 3, 1))),
    Loose("gtanaka", "Documents/HR", "dd_form", (date(2023, 6, 5), date(2023, 6, 9))),
    Loose("gtanaka", "Documents/Expenses", "expense_pdf", (date(2023, 10, 23), date(2023, 10, 27))),
    Loose("gtanaka", "Documents/Personal", "todo", (date(2024, 4, 15), date(2024, 4, 19))),
]

# Files that must end up as processing exceptions: (custodian, path, how)
EXCEPTIONS: list[tuple[str, str, str]] = [
    ("praman", "Documents/Scans/scan_0007.pdf", "corrupt"),
    ("mfeld", "Documents/Globex/Globex call notes (draft).docx", "empty"),
    ("gtanaka", "Documents/Exports/erp_export_0419.bin", "unsupported"),
]


# --------------------------------------------------------------------------- more noise: recurring mail

def _series(key: str, instances: list[tuple[list[str], tuple[date, date]]], msg: M, subject: str,
            params=None) -> list[Single]:
    return [Single(f"{key}-{i}", custs, msg, subject, NOISE, window, params) for i, (custs, window) in
            enumerate(instances)]


_MCW_STORIES = [
    "Rare earths: NdPr oxide prices eased for a third straight week as new capacity in Australia came online.",
    "Automation: A survey of 400 plant managers found that 61% plan to add collaborative robots within two years.",
    "Motors: Two European drive makers announced a merger that would create the region's largest servo supplier.",
    "Standards: The IEC published a revision of its efficiency classes for variable-speed drives.",
    "People: The Motion Control Association opened nominations for its annual innovation awards.",
    "Events: Registration is open for the fall Automate show in Detroit; early-bird pricing ends Friday.",
    "Research: A university team demonstrated a magnet-free actuator design for light-duty applications.",
    "Logistics: Container rates from Asia to the U.S. Midwest fell again, returning to 2019 levels.",
]


def p_mcw(rng, pii, st, start):
    s = rng.sample(_MCW_STORIES, 3)
    return {"s1": s[0], "s2": s[1], "s3": s[2], "issue": str(rng.randint(300, 420))}


def p_hire(rng, pii, st, start):
    first = rng.choice(["Jordan", "Alicia", "Marcus", "Tanya", "Devin", "Keiko", "Samuel", "Rosa"])
    last = rng.choice(["Bennett", "Okafor", "Lindqvist", "Morales", "Chen", "Dubois", "Hart", "Novak"])
    role, team = rng.choice([("Quality Technician", "Quality Engineering"), ("Buyer", "Procurement"),
                             ("Staff Accountant", "Finance"), ("Maintenance Supervisor", "Dayton plant"),
                             ("HR Generalist", "Human Resources")])
    return {"hire": f"{first} {last}", "hfirst": first, "role": role, "team": team,
            "prior": rng.choice(["Honeywell", "Emerson", "a Tier 1 automotive supplier", "Cincinnati Bell",
                                 "the University of Dayton"]),
            "hobby": rng.choice(["restores old motorcycles", "coaches youth soccer", "runs marathons",
                                 "is an avid birder", "bakes sourdough"])}


def p_webinar(rng, pii, st, start):
    return {"topic": rng.choice(["Predictive maintenance with vibration analytics",
                                 "Cutting changeover time with smart fixtures",
                                 "Cybersecurity for plant-floor networks",
                                 "OEE dashboards that operators actually use"]),
            "wdate": long_date(_bday(start, rng.randint(8, 20)))}


def p_prolink(rng, pii, st, start):
    return {"n": str(rng.randint(4, 31)), "views": str(rng.randint(3, 19)),
            "who": rng.choice(["a recruiter at a staffing firm", "someone at a Fortune 500 company",
                               "a hiring manager in Columbus"])}


def p_concur(rng, pii, st, start):
    return {"rpt": f"ER-{rng.randint(20000, 29999)}", "amt": money(rng.uniform(45, 1400)),
            "purpose": rng.choice(["Supplier visit - Fort Wayne", "Team lunch", "Mileage - Springfield plant",
                                   "Conference registration", "Office supplies"])}


def p_menu(rng, pii, st, start):
    mains = ["chicken parmesan", "beef stir fry", "vegetable lasagna", "pulled pork", "fish tacos",
             "turkey chili", "lemon pepper salmon", "cheese enchiladas", "Cuban sandwiches", "pot roast"]
    m = rng.sample(mains, 5)
    return {f"m{i}": x for i, x in enumerate(m)}


def p_townhall(rng, pii, st, start):
    return {"q": str((start.month - 1) // 3 + 1), "tdate": long_date(_bday(start, 7)),
            "topic": rng.choice(["the 2024 operating plan", "safety results and our new wellness program",
                                 "the Springfield expansion", "customer satisfaction results"])}


def p_invite(rng, pii, st, start):
    return {"mtg": rng.choice(["2024 budget review", "Line 2 kaizen readout", "Cycle count results",
                               "Capex prioritization", "Training plan for new hires", "5S audit walk"]),
            "room": rng.choice(["Kettering conference room", "Training room", "Plant office", "Teams"]),
            "mdate": long_date(_bday(start, rng.randint(2, 9))),
            "mtime": rng.choice(["9:00 AM", "10:30 AM", "1:00 PM", "2:30 PM"])}


_SERIES_MSGS = dict(
    mcw=(M("mcw", ["@cust"], greet=False, sign=False, body="""
MOTION CONTROL WEEKLY - Issue {issue}

{s1}

{s2}

{s3}

You are receiving this because you subscribed at mcweekly.com. Unsubscribe at any time."""),
         "Motion Control Weekly - Issue {issue}", p_mcw),
    hire=(M("hrteam", ["allstaff"], greet=False, body="""
Please join us in welcoming {hire}, who joins Acme as {role} on the {team} team. {hfirst} comes to us
from {prior} and, outside work, {hobby}. Stop by and say hello!"""),
          "Please welcome {hire}", p_hire),
    webinar=(M("keystone", ["@cust"], greet=False, body="""
Join Keystone Automation's application engineers for a free 45-minute webinar, "{topic}", on
{wdate} at 11:00 AM Eastern. Attendees receive a PDH certificate and a copy of the slides.

Register at keystoneautomation.com/events. You are receiving this email because you attended a
Keystone event. Update your preferences at any time."""),
             "Webinar: {topic}", p_webinar),
    prolink=(M("prolink", ["@cust"], greet=False, body="""
You appeared in {n} searches this week. Your profile was viewed {views} times, including by {who}.
See who is looking and grow your network with ProLink Premium - try it free for one month."""),
             "You appeared in {n} searches this week", p_prolink),
    concur=(M("concur", ["@cust"], greet=False, body="""
Expense report {rpt} ({purpose}) for ${amt} has been approved and sent to payroll for
reimbursement. Reimbursement normally arrives with the next regular pay date."""),
            "Expense report {rpt} approved", p_concur),
    menu=(M("facilities", ["allstaff"], greet=False, body="""
Cafeteria menu for the week:

- Monday: {m0}
- Tuesday: {m1}
- Wednesday: {m2}
- Thursday: {m3}
- Friday: {m4}

The salad bar and grill are open daily from 11:00 to 1:30."""),
          "This week's cafeteria menu", p_menu),
    townhall=(M("smarsh", ["allstaff"], greet=False, body="""
Our Q{q} town hall will be held on {tdate} at 3:00 PM in the cafeteria and on Teams. I will cover
{topic}, and we will leave plenty of time for questions. Second and third shift sessions will be
recorded."""),
              "Q{q} town hall - {tdate}", p_townhall),
    maintenance=(M("itdesk", ["allstaff"], greet=False, body="""
Email, VPN and the ERP system will be unavailable on Saturday from 10:00 PM to 4:00 AM Sunday while
we apply security updates. Plant-floor systems are not affected. Please save your work and log off
before leaving on Friday."""),
                 "Scheduled maintenance this Saturday night", None),
    invite=(M("tbecker", ["dwhitmore", "praman"], greet=False, body="""
I would like to get time on calendars for the {mtg} on {mdate} at {mtime} in the {room}. Please
accept or propose a new time. Agenda to follow."""),
            "Invitation: {mtg} - {mdate}", p_invite),
    wellness=(M("hrteam", ["allstaff"], greet=False, body="""
The spring step challenge starts Monday! Form a team of up to six, sync your tracker in the wellness
portal, and compete for bragging rights and a catered lunch. Every participant who logs 200,000 steps
earns a $50 HSA contribution."""),
              "Step challenge starts Monday", None),
)


def _s(key, instances):
    msg, subject, params = _SERIES_MSGS[key]
    return _series(key, instances, msg, subject, params)


def _wk(y: int, m: int, d: int) -> tuple[date, date]:
    """The working week starting on that Monday."""
    return date(y, m, d), date(y, m, d) + timedelta(days=4)


SINGLES += (
    _s("mcw", [(["mfeld"], _wk(2023, 3, 13)), (["praman"], _wk(2023, 9, 4)), (["mfeld"], _wk(2023, 11, 20)),
               (["mfeld"], _wk(2023, 6, 19)), (["mfeld"], _wk(2024, 1, 22)), (["mfeld"], _wk(2024, 4, 15))])
    + _s("hire", [(["praman"], _wk(2023, 4, 3)), (["mfeld"], _wk(2023, 8, 7)), (["gtanaka"], _wk(2024, 1, 8)),
                  (["dwhitmore"], _wk(2024, 5, 6)), (["praman"], _wk(2023, 10, 16))])
    + _s("webinar", [(["mfeld"], _wk(2023, 4, 10)), (["mfeld"], _wk(2023, 10, 23)), (["mfeld"], _wk(2024, 3, 4)),
                     (["praman"], _wk(2023, 7, 10))])
    + _s("prolink", [(["mfeld"], _wk(2023, 5, 15)), (["mfeld"], _wk(2023, 12, 11)), (["mfeld"], _wk(2024, 6, 3)),
                     (["gtanaka"], _wk(2023, 9, 18))])
    + _s("concur", [(["mfeld"], _wk(2023, 6, 5)), (["mfeld"], _wk(2023, 11, 27)), (["mfeld"], _wk(2024, 4, 1)),
                    (["gtanaka"], _wk(2024, 2, 5))])
    + _s("menu", [(["praman"], _wk(2023, 5, 1)), (["dwhitmore"], _wk(2023, 10, 9)), (["gtanaka"], _wk(2024, 2, 26)),
                  (["mfeld"], _wk(2023, 8, 14))])
    + _s("townhall", [(ALL4, _wk(2023, 4, 10)), (["dwhitmore", "praman"], _wk(2024, 1, 15))])
    + _s("maintenance", [(["gtanaka", "mfeld"], _wk(2023, 7, 17)), (["dwhitmore"], _wk(2024, 3, 18))])
    + _s("invite", [(["dwhitmore", "praman"], _wk(2023, 6, 26)), (["dwhitmore"], _wk(2023, 12, 4)),
                    (["praman"], _wk(2024, 5, 13))])
    + _s("wellness", [(["praman", "gtanaka"], _wk(2024, 4, 22))])
)


# ---- loose noise files

def l_menu_pdf(ctx, v):
    rng = ctx.rng
    rows = [["Day", "Entree", "Soup"]] + [[d, rng.choice(["Chicken marsala", "Meatloaf", "Veggie curry", "Fish fry",
                                                          "Pork carnitas", "Turkey club"]),
                                           rng.choice(["Tomato basil", "Chicken noodle", "Minestrone", "Broccoli cheddar"])]
                                          for d in ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]]
    return (DocSpec("Cafeteria menu.pdf", "Cafeteria menu", "Facilities", ctx.when,
                    [("title", "Dayton Cafeteria - Weekly Menu"), ("table", rows)]), NOISE)


def l_pto(ctx, v):
    rng = ctx.rng
    names = ["T. Becker", "M. Feld", "P. Raman", "G. Tanaka", "L. Moreno", "J. Wu", "B. Holt"]
    rows = [["Name", "Dates", "Coverage"]] + [[n, f"{rng.choice(['6/', '7/', '8/'])}{rng.randint(1, 20)} - "
                                                  f"{rng.randint(21, 30)}", rng.choice(names)] for n in names[:5]]
    return (DocSpec("Summer PTO calendar.txt", "", "Dana Whitmore", ctx.when,
                    [("h", "Ops leadership - summer PTO"), ("table", rows)]), NOISE)


def l_org_chart(ctx, v):
    blocks = [("title", "Quality Engineering - Organization"),
              ("bullets", ["Priya Raman - Director, Quality Engineering",
                           "  Supplier Quality: 3 engineers", "  Plant Quality (Dayton): 4 engineers, 6 technicians",
                           "  Metrology and Calibration: 2 technicians", "  Quality Systems (IATF): 1 specialist"])]
    return (DocSpec("QE org chart.docx", "QE org chart", "Priya Raman", ctx.when, blocks), NOISE)


def l_cert(ctx, v):
    blocks = [("title", "Certificate of Completion"),
              ("p", "This certifies that Priya Raman has completed IATF 16949:2016 Internal Auditor Training "
                    "(24 hours) conducted by the Automotive Quality Institute."),
              ("pre", f"Date: {long_date(ctx.when)}\nCertificate no. AQI-{ctx.rng.randint(100000, 999999)}")]
    return (DocSpec("IATF internal auditor certificate.pdf", "Certificate", "AQI", ctx.when, blocks), NOISE)


def l_401k(ctx, v):
    rng, pii = ctx.rng, ctx.pii
    bal = rng.uniform(180000, 320000)
    blocks = [("title", "Retirement Plan Statement"),
              ("table", [["Participant", "Greg Tanaka"], ["SSN", pii.ssn()], ["Plan", "Acme Manufacturing 401(k) Plan"],
                         ["Statement period", "01/01/2024 - 03/31/2024"]]),
              ("table", [["Fund", "Balance"], ["Target Date 2045", money(bal * 0.7)], ["S&P 500 Index", money(bal * 0.3)],
                         ["Total", money(bal)]]),
              ("p", "Your contribution rate is 8%. The company match is 100% of the first 4% and 50% of the next 2%.")]
    return (DocSpec("401k statement Q1 2024.pdf", "Retirement Plan Statement", "Plan Recordkeeper", ctx.when, blocks),
            NOISE)


def l_resume(ctx, v):
    pii = ctx.pii
    blocks = [("title", "Jordan A. Whitley"),
              ("pre", f"Springboro, OH | {pii.phone('937')} | {pii.personal_email('jordan.whitley.buyer@gmail.com')}"),
              ("h", "Experience"),
              ("p", "Senior Buyer, Miami Valley Components (2019-present). Managed $38M in direct material spend "
                    "across castings, fasteners and electronics; led two supplier consolidations."),
              ("p", "Buyer, Tri-State Fabrication (2015-2019). Purchasing for sheet metal and paint lines."),
              ("h", "Education"), ("p", "B.S. Supply Chain Management, Wright State University")]
    return (DocSpec("Resume - Jordan Whitley (Buyer II candidate).docx", "Resume", "Jordan Whitley", ctx.when, blocks),
            NOISE)


def l_kaizen(ctx, v):
    rng = ctx.rng
    blocks = [("h", "Line 2 kaizen event - notes"),
              ("bullets", [f"Changeover reduced from {rng.randint(38, 46)} to {rng.randint(16, 22)} minutes.",
                           "Shadow board for fixtures installed; 5S score up to 4.2.",
                           "Open item: second torque tool for station 4.",
                           "Next event: line 4 packaging cell."])]
    return (DocSpec("Line 2 kaizen notes.txt", "", "Priya Raman", ctx.when, blocks), NOISE)


def l_capex(ctx, v):
    rng = ctx.rng
    rows = [["Project", "Amount", "Priority"],
            ["CNC machining center (Building 4)", money(rng.randint(600, 900) * 1000.0), "1"],
            ["Paint line VOC abatement", money(rng.randint(250, 400) * 1000.0), "1"],
            ["Forklift fleet replacement", money(rng.randint(150, 240) * 1000.0), "2"],
            ["LED lighting retrofit", money(rng.randint(80, 140) * 1000.0), "3"]]
    return (DocSpec("2024 capex plan - Dayton.docx", "Capex plan", "Dana Whitmore", ctx.when,
                    [("title", "2024 Capital Plan - Dayton"), ("table", rows),
                     ("p", "Requests above $250,000 require CEO approval and a payback analysis.")]), NOISE)


def l_vacation(ctx, v):
    blocks = [("h", "Lake trip packing list"),
              ("bullets", ["Life jackets (check the small one still fits)", "Fishing licenses", "Sunscreen",
                           "Board games", "Dog food and leash", "Cooler + ice Thursday night"])]
    return (DocSpec("lake trip list.txt", "", "Marcus Feld", ctx.when, blocks), NOISE)


def l_benefits_pdf(ctx, v):
    blocks = [("title", "2024 Benefits Summary"),
              ("table", [["Plan", "Deductible", "Employee premium (biweekly)"],
                         ["PPO 500", "$500 / $1,000", "$86.40"], ["PPO 1500", "$1,500 / $3,000", "$52.10"],
                         ["HDHP with HSA", "$3,200 / $6,400", "$21.75"]]),
              ("p", "Dental and vision coverage are unchanged. The company HSA contribution increases to $750 "
                    "(single) and $1,500 (family).")]
    return (DocSpec("2024 benefits summary.pdf", "Benefits summary", "Human Resources", ctx.when, blocks), NOISE)


def l_menu_pdf_2(ctx, v):
    spec, coding = l_menu_pdf(ctx, v)
    spec.filename = f"Cafeteria menu {ctx.when:%Y-%m-%d}.pdf"
    return spec, coding


def l_cert_mf(ctx, v):
    blocks = [("title", "Certificate of Completion"),
              ("p", "This certifies that Marcus Feld has completed Negotiation Strategies for Supply Management "
                    "(16 hours) conducted by the Institute for Supply Management."),
              ("pre", f"Date: {long_date(ctx.when)}\nCertificate no. ISM-{ctx.rng.randint(100000, 999999)}")]
    return (DocSpec("ISM negotiation certificate.pdf", "Certificate", "ISM", ctx.when, blocks), NOISE)


def l_vacation_gt(ctx, v):
    blocks = [("h", "Outer Banks - week of July 8"),
              ("bullets", ["Rental: check-in Saturday 4 pm, code in the confirmation email", "Beach chairs + umbrella",
                           "Book the fishing charter for Tuesday", "Ask the Parks to feed the cat",
                           "Stop the mail"])]
    return (DocSpec("beach week.txt", "", "Greg Tanaka", ctx.when, blocks), NOISE)


LOOSE_BUILDERS.update({
    "menu_pdf_2": l_menu_pdf_2, "cert_mf": l_cert_mf, "vacation_gt": l_vacation_gt,
    "menu_pdf": l_menu_pdf, "pto": l_pto, "org_chart": l_org_chart, "cert": l_cert, "401k": l_401k,
    "resume": l_resume, "kaizen": l_kaizen, "capex": l_capex, "vacation": l_vacation, "benefits_pdf": l_benefits_pdf,
})

LOOSE += [
    Loose("dwhitmore", "Documents/Misc", "menu_pdf", (date(2023, 5, 8), date(2023, 5, 12))),
    Loose("dwhitmore", "Documents/HR", "pto", (date(2023, 5, 22), date(2023, 5, 26))),
    Loose("dwhitmore", "Documents/Budget", "capex", (date(2023, 11, 6), date(2023, 11, 10))),
    Loose("praman", "Documents/Admin", "org_chart", (date(2023, 3, 13), date(2023, 3, 17))),
    Loose("praman", "Documents/Training", "cert", (date(2023, 6, 12), date(2023, 6, 16))),
    Loose("praman", "Documents/Quality", "kaizen", (date(2023, 8, 14), date(2023, 8, 18))),
    Loose("gtanaka", "Documents/Personal", "401k", (date(2024, 4, 8), date(2024, 4, 12))),
    Loose("gtanaka", "Documents/HR", "benefits_pdf", (date(2023, 10, 30), date(2023, 11, 3))),
    Loose("mfeld", "Documents/Hiring", "resume", (date(2024, 2, 5), date(2024, 2, 9))),
    Loose("mfeld", "Documents/Personal", "vacation", (date(2023, 6, 12), date(2023, 6, 16))),
    Loose("praman", "Documents/HR", "benefits_pdf", (date(2023, 10, 30), date(2023, 11, 3))),
    Loose("dwhitmore", "Documents/Misc", "menu_pdf_2", (date(2024, 2, 12), date(2024, 2, 16))),
    Loose("mfeld", "Documents/Training", "cert_mf", (date(2023, 9, 18), date(2023, 9, 22))),
    Loose("gtanaka", "Documents/Personal", "vacation_gt", (date(2024, 6, 3), date(2024, 6, 7))),
]
