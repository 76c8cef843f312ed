"""The people and organisations of the sample matter *Acme v. Globex*.

Acme Manufacturing, Inc. (Dayton, Ohio; the client) buys GX-400 and GX-250 motor
actuator assemblies from Globex Corporation (Columbus, Ohio) under a Master Supply
Agreement dated February 6, 2023. From mid-2023 Globex invoices a raw-material
surcharge the contract does not allow, ties delivery allocation to accepting it, and
ships GX-400 lots with contaminated bearing grease that fail on Acme's line and in
its customers' tractors. Acme short-pays, buys cover from Initech, pays customer
chargebacks and, advised by Hollister & Vance LLP, serves a notice of breach.
"""

from __future__ import annotations

from dataclasses import dataclass

LEGEND_AC = "PRIVILEGED & CONFIDENTIAL - ATTORNEY-CLIENT COMMUNICATION"
LEGEND_WP = "PRIVILEGED & CONFIDENTIAL - ATTORNEY WORK PRODUCT - PREPARED AT THE DIRECTION OF COUNSEL"


@dataclass(frozen=True)
class Org:
    name: str
    domain: str
    style: str  # how its mail client quotes: "outlook" or "gmail"
    address: str = ""
    footer: str = ""


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    email: str
    title: str
    org: Org
    custodian: bool = False
    counsel: bool = False
    sig_phone_area: str | None = None  # signature carries a (fictional) phone number

    @property
    def first(self) -> str:
        return self.name.split()[0]


ACME = Org("Acme Manufacturing, Inc.", "acme-mfg.com", "outlook", "2200 Kettering Blvd, Dayton, OH 45439")
GLOBEX = Org("Globex Corporation", "globex-corp.com", "gmail", "4100 Arlingate Lane, Columbus, OH 43228")
HV = Org("Hollister & Vance LLP", "hollistervance.com", "outlook",
         "311 South Wacker Drive, Suite 4400, Chicago, IL 60606",
         "CONFIDENTIALITY NOTICE: This e-mail is from the law firm Hollister & Vance LLP and may "
         "contain information that is confidential or privileged. If you are not the intended "
         "recipient, please notify the sender immediately and delete this message.")
BQ = Org("Baxter Quinn LLP", "baxterquinn.com", "gmail", "41 South High Street, Columbus, OH 43215",
         "This message is from Baxter Quinn LLP. It may contain confidential information. If you "
         "received it in error, please tell the sender and delete it.")
INITECH = Org("Initech Motion Systems", "initechmotion.com", "gmail", "900 Commerce Park Dr, Fort Wayne, IN 46825")
NORTHFIELD = Org("Northfield Agricultural Equipment", "northfield-ag.com", "gmail", "1 Northfield Way, Peoria, IL 61615")
NEWS = Org("Motion Control Weekly", "mcweekly.com", "gmail")
PERSONAL = Org("Personal", "gmail.com", "gmail")
BUCKEYE = Org("Buckeye Corrugated Co.", "buckeyecorrugated.com", "gmail", "1450 Industrial Pkwy, Springfield, OH 45505")
MWF = Org("Midwest Freightways", "midwestfreightways.com", "gmail")
KEYSTONE = Org("Keystone Automation", "keystoneautomation.com", "gmail")
PROLINK = Org("ProLink", "prolink-mail.com", "gmail")
CONCUR = Org("Concur Expense", "concur-notify.com", "gmail")

_P = [
    # Acme custodians
    Person("dwhitmore", "Dana Whitmore", "dana.whitmore@acme-mfg.com", "Vice President, Operations", ACME, custodian=True),
    Person("mfeld", "Marcus Feld", "marcus.feld@acme-mfg.com", "Senior Procurement Manager", ACME, custodian=True),
    Person("praman", "Priya Raman", "priya.raman@acme-mfg.com", "Director, Quality Engineering", ACME, custodian=True),
    Person("gtanaka", "Greg Tanaka", "greg.tanaka@acme-mfg.com", "Corporate Controller", ACME, custodian=True),
    # Acme others
    Person("eporter", "Elaine Porter", "elaine.porter@acme-mfg.com", "General Counsel", ACME, counsel=True),
    Person("tbecker", "Tom Becker", "tom.becker@acme-mfg.com", "Plant Manager, Dayton", ACME),
    Person("rkim", "Rachel Kim", "rachel.kim@acme-mfg.com", "Accounts Payable Specialist", ACME),
    Person("jwu", "Jason Wu", "jason.wu@acme-mfg.com", "Key Account Manager", ACME),
    Person("bholt", "Brian Holt", "brian.holt@acme-mfg.com", "Manufacturing Engineer", ACME),
    Person("lmoreno", "Lisa Moreno", "lisa.moreno@acme-mfg.com", "Director, Human Resources", ACME),
    Person("itdesk", "Acme IT Service Desk", "servicedesk@acme-mfg.com", "IT Service Desk", ACME),
    Person("facilities", "Acme Facilities", "facilities@acme-mfg.com", "Facilities", ACME),
    Person("allstaff", "All Dayton Staff", "all-dayton@acme-mfg.com", "Distribution list", ACME),
    Person("smarsh", "Steven Marsh", "steven.marsh@acme-mfg.com", "Chief Executive Officer", ACME),
    # outside counsel
    Person("rsanders", "Richard B. Sanders", "rsanders@hollistervance.com", "Partner", HV, counsel=True,
           sig_phone_area="312"),
    Person("mosei", "Meredith K. Osei", "mosei@hollistervance.com", "Associate", HV, counsel=True,
           sig_phone_area="312"),
    Person("hvnews", "Hollister & Vance Client Alerts", "alerts@hollistervance.com", "Client Alerts", HV),
    # Globex and its counsel
    Person("vhale", "Victor Hale", "victor.hale@globex-corp.com", "Vice President, Sales", GLOBEX),
    Person("sortiz", "Sandra Ortiz", "sandra.ortiz@globex-corp.com", "Senior Account Manager", GLOBEX,
           sig_phone_area="614"),
    Person("kmabry", "Ken Mabry", "ken.mabry@globex-corp.com", "Quality Manager", GLOBEX),
    Person("acho", "Alan Cho", "alan.cho@globex-corp.com", "Director, Logistics", GLOBEX),
    Person("gxar", "Globex Accounts Receivable", "ar@globex-corp.com", "Accounts Receivable", GLOBEX),
    Person("jprice", "Jonathan Price", "jprice@baxterquinn.com", "Partner", BQ),
    # third parties
    Person("pgrant", "Paula Grant", "paula.grant@initechmotion.com", "Regional Sales Manager", INITECH,
           sig_phone_area="260"),
    Person("sridley", "Sam Ridley", "sam.ridley@northfield-ag.com", "Supplier Quality Manager", NORTHFIELD),
    Person("mcw", "Motion Control Weekly", "newsletter@mcweekly.com", "Newsletter", NEWS),
    Person("talvarez", "Tina Alvarez", "tina.alvarez@buckeyecorrugated.com", "Account Executive", BUCKEYE),
    Person("mwf", "Midwest Freightways Billing", "billing@midwestfreightways.com", "Billing", MWF),
    Person("keystone", "Keystone Automation Events", "events@keystoneautomation.com", "Events", KEYSTONE),
    Person("prolink", "ProLink", "notifications@prolink-mail.com", "Notifications", PROLINK),
    Person("concur", "Concur Expense", "noreply@concur-notify.com", "Notifications", CONCUR),
    Person("hrteam", "Acme Human Resources", "hr@acme-mfg.com", "Human Resources", ACME),
    # family members writing to work addresses (personal mailboxes: their addresses are PII)
    Person("nraman", "Neil Raman", "neil.raman82@gmail.com", "", PERSONAL),
    Person("atanaka", "Amy Tanaka", "amy.tanaka.oh@gmail.com", "", PERSONAL),
]

PEOPLE: dict[str, Person] = {p.key: p for p in _P}
CUSTODIANS: list[Person] = [p for p in _P if p.custodian]
