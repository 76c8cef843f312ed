"""Hand-written hard cases of the evaluation set (built into hard_cases.jsonl by nlp.eval.build).

Written by hand, not generated: each case is a trap a detector falls into or a
form it must still find. Gold PII is marked inline as ``[[type|value]]`` (the
markup is removed and its offsets become the gold span); everything not marked
is not PII, and every PII type is annotated in every case. ``privileged`` is
how a careful reviewer codes the document under the sample matter's protocol
(counsel: Richard B. Sanders and Meredith K. Osei of Hollister & Vance LLP,
hollistervance.com; Elaine Porter, Acme's General Counsel); None leaves the
case out of the privilege figures.

Numbers are well-known test values (card networks' test cards, the SWIFT
registry's example IBANs, a public bank routing number) or fictional: the
build checks that every marked checksum value is valid and that every
unmarked trap fails its check or lacks its label.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    privileged: bool | None = None
    note: str = ""


LAWYER_HEADER = "From: Richard B. Sanders <[[email|rsanders@hollistervance.com]]>"

CASES: list[Case] = [
    # --- numbers that fail their checks --------------------------------------------------------------
    Case("card-luhn-fails",
         "Card on file 4111 1111 1111 1112 was declined; the corrected number is [[payment_card|4111 1111 1111 1111]].",
         False, "one digit off fails Luhn"),
    Case("card-no-issuer",
         "Membership no. 1234 5678 1234 5670 passes Luhn but no card network issues numbers starting with 1.",
         False),
    Case("card-amex-and-mc",
         "Please charge the Amex [[payment_card|3782 822463 10005]] or the Mastercard [[payment_card|5555-5555-5555-4444]]; "
         "not the old Discover 6011 1111 1111 1118.",
         False, "6011 1111 1111 1118 fails Luhn"),
    Case("card-tracking-number",
         "Tracking number 4000 1234 5678 9010 shows the parcel in Memphis.",
         False, "a Luhn-valid Visa-shaped tracking number: the label says what it is"),
    Case("card-compact-jcb-diners",
         "Corporate cards: JCB [[payment_card|3566002020360505]], Diners Club [[payment_card|30569309025904]].",
         False),
    Case("ssn-invalid-ranges",
         "These SSNs on the old roster are invalid and were never issued: 666-12-3456, 000-45-6789, "
         "123-00-4567, 123-45-0000 and the advertising number 078-05-1120. ITIN 912-34-5678 is not an SSN.",
         False),
    Case("ssn-valid-with-keyword",
         "Employee: Greg Tanaka\nSSN: [[ssn|512-44-8790]]\nSocial Security No. [[ssn|512 44 8791]]",
         False),
    Case("ssn-bare-nine-digits",
         "SSN [[ssn|512448792]] confirmed by HR. Purchase order 512448792 is a different number.",
         False, "nine bare digits are an SSN only with the keyword"),
    Case("ssn-like-part-numbers",
         "Replace bearing part no. 412-33-1907 and P/N 503-22-1180; model 220-45-1001 ships next week. "
         "Invoice 771-20-4432 is attached.",
         False, "SSN-shaped part, model and invoice numbers"),
    Case("ssn-like-dates",
         "Lots 2023-11-14 and 11-14-2023 passed; batch 20231114 and run 231-11-2023 were held for retest.",
         False, "dates and date-like batch codes; 231-11-2023 is SSN-shaped"),
    Case("ssn-then-part",
         "SSN: [[ssn|512-44-8793]]; replacement part 412-33-1908 ordered.",
         False, "the SSN label does not govern the part number after it"),
    Case("aba-checksum",
         "Wire details: ABA routing number [[aba_routing|021000021]], account number [[bank_account|4471190023]]. "
         "The routing number 123456789 on the old form fails the checksum.",
         False),
    Case("aba-without-label",
         "Order 021000021 shipped on Monday.",
         False, "a checksum-valid 9-digit number with no routing label is an order number"),
    Case("iban-valid-and-not",
         "Pay to IBAN [[iban|GB82 WEST 1234 5698 7654 32]] or [[iban|DE89370400440532013000]]. "
         "The copy reading GB82 WEST 1234 5698 7654 33 has a typo (mod-97 fails), "
         "and DE89 3704 0044 0532 0130 is too short for Germany.",
         False),
    Case("iban-france",
         "Coordonnées bancaires / bank details: IBAN [[iban|FR14 2004 1010 0505 0001 3M02 606]] (BIC PSSTFRPPXXX).",
         False, "a letter inside the BBAN; non-ASCII text around it"),
    Case("bank-account-context",
         "Please deposit to checking account [[bank_account|000123456789]]. The account ending 4821 is closed. "
         "Account manager 3 of 5 will call.",
         False, "a 4-digit tail is not a full account number"),
    Case("phone-forms",
         "Call me at [[phone|(212) 555-0147]] or [[phone|212.555.0148]], fax [[phone|+1 212 555 0149]], "
         "London [[phone|+44 20 7946 0958]]. Dial 911 in an emergency; (123) 456-7890 is not a real number.",
         False),
    Case("phone-ext",
         "Direct line [[phone|937-555-0150 x204]].",
         False),
    Case("email-cid",
         "See the logo at cid:image001.png@01D2ABCD.12345670 and write to [[email|jane.doe@acme-mfg.com]].",
         False, "a MIME content-id is not an e-mail address"),
    Case("dob-forms",
         "Date of birth: [[dob|04/12/1985]]. DOB [[dob|1979-03-02]]. Born [[dob|March 3, 1971]]. "
         "Shipped 04/12/2023; meeting on March 3, 2024.",
         False, "a date is a date of birth only when labelled"),
    Case("dob-impossible",
         "Date of birth: 02/31/1985 (typo on the form; HR to confirm).",
         False, "31 February is no date"),
    Case("passport-and-licence",
         "Passport No. [[passport|531847296]] (U.S.). Ohio driver's license number [[drivers_license|RS123456]]; "
         "DL# [[drivers_license|S530-4602-8731]]. Software license 12345678 renews in May.",
         False),
    Case("passport-photo",
         "Passport photos taken 2023; renewal form DS-82 attached.",
         False),
    Case("address-forms",
         "Ship to [[address|311 South Wacker Drive, Suite 4400, Chicago, IL 60606]] and invoice "
         "[[address|2200 Kettering Blvd\nDayton, OH 45439]]. Returns: [[address|P.O. Box 1234, Columbus, OH 43215]].",
         False),
    Case("address-not",
         "We bought 3 belt sanders way too late. In 2023 Globex shipped 400 units. Section 4 Main terms apply.",
         False),
    Case("non-ascii-and-emoji",
         "Zoë 😀 from Zürich: call [[phone|(312) 555-0151]] 👍 or email [[email|zoe.muller@initechmotion.com]].",
         False, "astral characters before the spans"),
    # --- counsel surnames used as ordinary words ------------------------------------------------------
    Case("sanders-town",
         "Route the GX-400 pallets through the Sanders, AZ depot; the Sanders warehouse closes at 5.",
         False, "Sanders the town"),
    Case("sanders-tool",
         "Line 3 needs two belt sanders, r. kim will order them, and an orbital sander for rework.",
         False, "sanders the tool; 'sanders, r.' in lower case is not the counsel"),
    Case("porter-job",
         "The night porter signed for the delivery. Porter, the brewery's stout, was served at the offsite.",
         False, "porter the job and the beer"),
    Case("hollister-store",
         "Picked up the team shirts at Hollister in the Dayton Mall; receipt attached.",
         False),
    Case("counsel-named-in-business",
         "Jason, the GX-400 pricing deck is attached. Richard Sanders is out until Monday, so let's "
         "finalise the allocation numbers with Globex tomorrow.",
         False, "a lawyer named in a business e-mail"),
    # --- privilege: legends, advice, forwards, copies -------------------------------------------------
    Case("legend-own",
         "PRIVILEGED & CONFIDENTIAL - ATTORNEY-CLIENT COMMUNICATION\n\nElaine, attached is my analysis of "
         "the surcharge clause you asked for.\n\nRichard B. Sanders\nHollister & Vance LLP",
         True),
    Case("advice-from-counsel",
         LAWYER_HEADER + "\nTo: Dana Whitmore <[[email|dana.whitmore@acme-mfg.com]]>\nSubject: Re: short-pay\n\n"
         "Dana, my advice is not to short-pay the March invoices until we have served the notice of breach; "
         "in my view withholding now would expose Acme to a claim for the full amount.\n\nRichard",
         True, "no legend: counsel's address and legal advice"),
    Case("please-advise-liability",
         "From: Dana Whitmore <[[email|dana.whitmore@acme-mfg.com]]>\nTo: Elaine Porter <[[email|elaine.porter@acme-mfg.com]]>\n"
         "Subject: GX-400 failures\n\nElaine, please advise on our liability to Northfield for the tractor "
         "failures before I reply to them.\n\nDana",
         True, "a request for legal advice to in-house counsel"),
    Case("litigation-hold",
         "From: Elaine Porter <[[email|elaine.porter@acme-mfg.com]]>\nTo: All Dayton Staff <[[email|all-dayton@acme-mfg.com]]>\n"
         "Subject: Litigation hold - Globex\n\nAll, effective today a litigation hold applies to every "
         "document about Globex, the GX-400 and the surcharge. Do not delete anything.\n\nElaine Porter\n"
         "General Counsel",
         True),
    Case("work-product-chronology",
         "Chronology of GX-400 failures - prepared in anticipation of litigation at the request of "
         "Hollister & Vance LLP.\n\n2023-07-12 first field failure reported by Northfield.",
         True, "work product without a formal legend"),
    Case("forwarded-legend-internal",
         "From: Dana Whitmore <[[email|dana.whitmore@acme-mfg.com]]>\nTo: Marcus Feld <[[email|marcus.feld@acme-mfg.com]]>\n"
         "Subject: FW: surcharge\n\nMarcus, FYI - see Richard's note below before your call with Globex.\n\n"
         "________________________________\nFrom: Richard B. Sanders <[[email|rsanders@hollistervance.com]]>\n"
         "Sent: Monday, March 4, 2024 9:12 AM\nTo: Dana Whitmore <[[email|dana.whitmore@acme-mfg.com]]>\n"
         "Subject: surcharge\n\nPRIVILEGED & CONFIDENTIAL - ATTORNEY-CLIENT COMMUNICATION\n\n"
         "Dana, the surcharge is not allowed under section 4.2.\n",
         True, "a legend in forwarded text, forwarded inside the client"),
    Case("forwarded-legend-to-globex",
         "From: Marcus Feld <[[email|marcus.feld@acme-mfg.com]]>\nTo: Victor Hale <[[email|victor.hale@globex-corp.com]]>\n"
         "Subject: FW: surcharge\n\nVictor, our position is below.\n\n---------- Forwarded message ---------\n"
         "From: Richard B. Sanders <[[email|rsanders@hollistervance.com]]>\nDate: Mon, Mar 4, 2024 at 9:12 AM\n"
         "Subject: surcharge\n\n> PRIVILEGED & CONFIDENTIAL - ATTORNEY-CLIENT COMMUNICATION\n"
         "> The surcharge is not allowed under section 4.2.\n",
         False, "forwarded to the other side: not privileged (waiver), though the flag will route it to an attorney"),
    Case("quoted-legend-no-counsel",
         "Thanks, will do.\n\nOn Tue, Mar 5, 2024 at 8:01 AM Priya Raman <[[email|priya.raman@acme-mfg.com]]> wrote:\n"
         "> Privileged and Confidential\n> Draft 8D report attached for review.\n",
         False, "an old legend quoted without any counsel in the thread"),
    Case("lawyer-copied-scheduling",
         "From: Greg Tanaka <[[email|greg.tanaka@acme-mfg.com]]>\nTo: Dana Whitmore <[[email|dana.whitmore@acme-mfg.com]]>\n"
         "Cc: Richard B. Sanders <[[email|rsanders@hollistervance.com]]>\nSubject: Tuesday call\n\n"
         "Dana, can we move Tuesday's call to 3 pm? The conference room is booked.\n\nGreg",
         False, "a lawyer copied on a business e-mail"),
    Case("law-firm-marketing",
         "From: Hollister & Vance Client Alerts <[[email|alerts@hollistervance.com]]>\nTo: Dana Whitmore "
         "<[[email|dana.whitmore@acme-mfg.com]]>\nSubject: Client alert: new Ohio UCC decisions\n\nThree recent "
         "decisions on price escalation clauses. Register for our webinar.\n\nCONFIDENTIALITY NOTICE: This "
         "e-mail is from the law firm Hollister & Vance LLP and may contain information that is "
         "confidential or privileged.",
         False, "a law firm's marketing alert with its confidentiality footer"),
    Case("legal-words-in-business",
         "The legal department approved the new NDA template; procurement will send it to Initech. "
         "Please advise on delivery dates for the GX-250.",
         False, "'please advise' about deliveries is not legal advice"),
    Case("business-repeats-advice",
         "Team - per counsel, we should not discuss the bearing failures with Globex until the notice "
         "goes out. Richard Sanders will send it Friday.",
         True, "a business e-mail repeating legal advice: partially privileged"),
    Case("initials-counsel",
         "Per R.B. Sanders's comments, section 4.2 stays as drafted; M. K. Osei will send the redline.",
         True, "counsel named by initials, relaying counsel's comments"),
]
