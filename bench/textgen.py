"""Deterministic news and press-release prose for the benchmark corpus.

``NewsWriter(seed)`` makes UK local-news style text: council, Ofsted, police
and NHS findings, quotes with attributions ("..., said: “...”"), numbers and
money, dates, and the abbreviations a segmenter has to get right (Mr, Cllr,
Dr, No. 10, St., a.m., U.K., e.g.).  Paragraph and sentence lengths vary;
``article(target_chars)`` returns a headline plus paragraphs of about that
size, so a caller can make a 2 KB story or a 1 MB report from the same
generator.  Only the standard library; same seed, same text.
"""
from __future__ import annotations

import random

FIRST = ("Mark Sue Adrian Imran Rachel Susan Tom Aisha Gareth Helen Naveed Claire James Priya David Emma "
         "Jonathan Fatima Richard Louise Kamran Sarah Peter Nadia Michael Joanne Ravi Karen Steven Amina "
         "Paul Lesley Simon Hannah Asif Julie Andrew Bushra Neil Catherine").split()
LAST = ("Douglas Duffy Farley Hussain Hinchcliffe Khan Smith Ahmed Jones Patel Wilson Taylor Brown Shaw "
        "Walker Wright Thompson Mahmood Robinson Clarke Iqbal Green Hall Wood Baker Hughes Begum Ali Kaur "
        "Marsden Holroyd Sutcliffe Greenwood Akhtar Pickles Whitaker Riaz Stead Firth").split()
TITLES = ("Mr", "Mrs", "Ms", "Dr", "Cllr", "Prof.", "Det Insp", "Supt", "Sgt", "Rev")
TOWNS = ("Bradford Keighley Shipley Bingley Ilkley Leeds Halifax Huddersfield Wakefield Dewsbury Batley "
         "Otley Baildon Queensbury Thornton Saltaire Holmfirth Pudsey Castleford Skipton").split()
STREETS = ("Manningham Lane", "Leeds Road", "Great Horton Road", "Thornton Road", "Oak Lane", "Church St.",
           "Market Street", "Westgate", "North Parade", "Bolton Road", "Kirkgate", "Cavendish Street")
COUNCILS = ("Bradford Council", "Leeds City Council", "Kirklees Council", "Calderdale Council",
            "Wakefield Council", "the council", "the local authority", "City of Bradford Metropolitan District Council")
BODIES = ("Ofsted", "the Care Quality Commission", "the CQC", "HM Inspectorate of Constabulary",
          "the Environment Agency", "the Local Government Ombudsman", "the Health and Safety Executive",
          "the Department for Education", "the DfE commissioner", "NHS England", "the Audit Commission")
TRUSTS = ("Bradford Teaching Hospitals NHS Foundation Trust", "Airedale NHS Foundation Trust",
          "Leeds Teaching Hospitals NHS Trust", "the ambulance service", "Mid Yorkshire Hospitals NHS Trust",
          "Bradford District Care NHS Foundation Trust")
POLICE = ("West Yorkshire Police", "police", "officers", "detectives", "the force", "British Transport Police")
ROLES = ("Strategic Director of Children’s Services", "portfolio holder for children and families",
         "Leader of the Council", "chief executive", "Chief Constable", "head teacher",
         "director of public health", "chief nurse", "Executive Member for Healthy People and Places",
         "chairman of the improvement board", "ward councillor", "Police and Crime Commissioner",
         "district commander", "medical director", "spokesman", "spokeswoman")
SERVICES = ("children’s services", "adult social care", "the maternity unit", "the A&E department",
            "the special educational needs service", "the front door service", "the youth offending team",
            "bin collections", "the fostering service", "school transport", "the planning department",
            "mental health services", "the district’s libraries", "the housing repairs service",
            "the safeguarding team", "the 999 call-handling centre")
RATINGS = ("inadequate", "requires improvement", "good", "outstanding")
FINDINGS = (
    "improvement in social work practice had been too slow for children and families",
    "caseloads for most social workers were steadily reducing",
    "leaders did not have a clear enough picture of the quality of practice",
    "too many assessments were taking longer than the statutory 45 working days",
    "staff were positive about working in the district",
    "record keeping was inconsistent and some plans lacked clear timescales",
    "patients waited too long to be assessed after arriving at the emergency department",
    "the trust had made significant progress since the last inspection",
    "medicines were not always stored securely on two wards",
    "complaints were not always handled within the agreed timescales",
    "the force was good at preventing crime but required improvement in how it investigated it",
    "response times to emergency calls had fallen short of the national standard",
    "the management of risk to vulnerable people had improved",
    "the quality of supervision varied between teams",
    "the council had failed to carry out checks on 1,200 properties",
    "children in care were not always seen by their social worker often enough",
    "the leadership team had a good understanding of the school’s strengths",
    "pupils behaved well and attendance was above the national average",
    "the backlog of repairs had risen to more than 3,400 jobs",
    "the service had not learned lessons from previous serious case reviews",
)
COMMITMENTS = (
    "recruit 40 more social workers by the end of the year",
    "publish a full action plan within 28 days",
    "invest a further £4.5 million in frontline services",
    "review every case identified in the report",
    "meet the ombudsman’s recommendations in full",
    "report back to the scrutiny committee in six months",
    "reduce waiting times to under four hours for 95 per cent of patients",
    "open two new family hubs in Keighley and Shipley",
    "increase patrols in the area over the coming weeks",
    "write to every family affected",
)
RESPONSES = (
    "We accept the findings in full and are already acting on them",
    "We are disappointed with the rating, which does not reflect the hard work of our staff",
    "Ofsted have recognised that we are making progress in our improvement journey",
    "We know that there are still areas we need to change",
    "The safety of patients is our first priority",
    "We were aware of all the issues raised by the inspectors",
    "This is a significant step forward for the district",
    "I want to thank staff for everything they have done during an extremely difficult year",
    "We will not rest until every child gets the service they deserve",
    "The figures speak for themselves",
    "It is simply not good enough",
    "We need the Government to give us the funding to do this properly",
    "I am absolutely committed to making sure that happens",
    "Lessons have been learned",
)
MONTHS = ("January February March April May June July August September October November December").split()
MONTH_ABBR = ("Jan.", "Feb.", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")
DAYS = ("Monday Tuesday Wednesday Thursday Friday Saturday Sunday").split()
CRIMES = ("burglary", "assault", "possession of a bladed article", "dangerous driving", "criminal damage",
          "theft", "drug supply", "arson", "causing death by careless driving")
NOTES = (
    "Check against the inspection letter.", "Same wording as the press release.",
    "Quote not in the original statement.", "Figure differs from the council report.",
    "Attribution unclear: who said this?", "Commitment has no date attached.",
    "Follow up with the press office.", "Compare with last year's rating.",
    "Paraphrase of the finding, softer wording.", "=SUM(A1:A2) pasted by mistake",
    "Source: FOI response 2021/0345.", "Needs a second coder.",
)


def cap(text: str) -> str:
    """Upper-case the first letter only (str.capitalize would lower-case the rest)."""
    return text[:1].upper() + text[1:]


class NewsWriter:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    # -- small pieces -------------------------------------------------------------
    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def person(self) -> str:
        return f"{self.pick(FIRST)} {self.pick(LAST)}"

    def titled(self) -> str:
        return f"{self.pick(TITLES)} {self.pick(LAST)}"

    def date(self) -> str:
        r = self.rng.random()
        day, month, year = self.rng.randint(1, 28), self.pick(MONTHS), self.rng.randint(2015, 2024)
        if r < 0.4:
            return f"{day} {month} {year}"
        if r < 0.6:
            return f"{self.pick(DAYS)}, {day} {month}"
        if r < 0.75:
            return f"{self.pick(MONTH_ABBR)} {day}"
        if r < 0.9:
            return f"last {self.pick(DAYS)}"
        return f"{day}.{self.rng.randint(1, 12):02}.{year}"

    def pct(self) -> str:
        return self.pick((f"{self.rng.randint(2, 98)} per cent", f"{self.rng.randint(2, 99)}%",
                          f"{self.rng.randint(1, 99)}.{self.rng.randint(1, 9)}%"))

    def money(self) -> str:
        return self.pick((f"£{self.rng.randint(1, 99)}.{self.rng.randint(1, 9)} million", f"£{self.rng.randint(2, 900)},000",
                          f"£{self.rng.randint(1, 9)}.{self.rng.randint(1, 99)}m", f"£{self.rng.randint(2, 90)}bn"))

    def count(self) -> str:
        return self.pick((f"{self.rng.randint(1, 9)},{self.rng.randint(0, 999):03}", str(self.rng.randint(3, 500)),
                          f"about {self.rng.randint(2, 90)}0"))

    def number(self) -> str:
        r = self.rng.random()
        if r < 0.25:
            return f"£{self.rng.randint(1, 99)}.{self.rng.randint(1, 9)} million"
        if r < 0.45:
            return f"{self.rng.randint(2, 98)} per cent"
        if r < 0.6:
            return f"{self.rng.randint(1, 9)},{self.rng.randint(0, 999):03}"
        if r < 0.75:
            return f"{self.rng.randint(2, 99)}%"
        if r < 0.9:
            return f"£{self.rng.randint(2, 900)},000"
        return str(self.rng.randint(3, 500))

    def time(self) -> str:
        h = self.rng.randint(1, 12)
        return self.pick((f"{h}.{self.rng.randint(0, 5)}0pm", f"about {h} a.m.", f"{h}.15am", f"{h} p.m."))

    def speaker(self) -> str:
        r = self.rng.random()
        if r < 0.4:
            return f"{self.person()}, {self.pick(ROLES)} at {self.pick(COUNCILS + TRUSTS)}"
        if r < 0.6:
            return f"Councillor {self.person()}, {self.pick(ROLES)}"
        if r < 0.8:
            return f"{self.titled()}"
        return f"A spokesman for {self.pick(BODIES + TRUSTS + POLICE[:1])}"

    def quote_body(self) -> str:
        parts = [self.pick(RESPONSES) + "."]
        for _ in range(self.rng.choice((0, 0, 1, 1, 2, 3))):
            parts.append(self.pick((
                f"We will {self.pick(COMMITMENTS)}.",
                f"The report says {self.pick(FINDINGS)}.",
                f"That is why we have committed {self.money()} to {self.pick(SERVICES)}.",
                "Is it enough? No, and we have said so.",
                f"Since {self.date()} we have seen real change.",
                f"Mr {self.pick(LAST)} has my full support.",
                self.pick(RESPONSES) + "!",
            )))
        return " ".join(parts)

    # -- sentences ----------------------------------------------------------------------
    def sentence(self) -> str:
        r = self.rng.random()
        rng = self.rng
        if r < 0.16:
            q = self.quote_body()
            style = rng.random()
            if style < 0.5:
                return f"{self.speaker()}, said: “{q}”"
            if style < 0.8:
                return f"“{q}” said {self.speaker()}."
            return f"{self.speaker()} added: \"{q}\""
        if r < 0.32:
            return self.pick((
                f"The report, published on {self.date()}, found that {self.pick(FINDINGS)}.",
                f"Inspectors from {self.pick(BODIES)} said {self.pick(FINDINGS)}.",
                f"{cap(self.pick(BODIES))} rated {self.pick(SERVICES)} as ‘{self.pick(RATINGS)}’ after a visit on {self.date()}.",
                f"According to the letter, {self.pick(FINDINGS)}.",
                f"It also found that {self.pick(FINDINGS)}, and that {self.pick(FINDINGS)}.",
                f"The visit, which took place on {self.date()}, was the {self.pick(('second', 'third', 'fifth'))} since the main inspection in {rng.randint(2014, 2022)}.",
            ))
        if r < 0.46:
            return self.pick((
                f"{cap(self.pick(POLICE))} were called to {self.pick(STREETS)}, {self.pick(TOWNS)}, at {self.time()} on {self.pick(DAYS)}.",
                f"A {rng.randint(16, 78)}-year-old man from {self.pick(TOWNS)} was arrested on suspicion of {self.pick(CRIMES)} and remains in custody.",
                f"A woman, aged {rng.randint(18, 90)}, was taken to hospital with injuries not thought to be life-threatening.",
                f"Anyone with information is asked to call 101, quoting crime reference No. {rng.randint(13190000000, 13249999999)}.",
                f"{self.titled()}, of {self.pick(POLICE[:1] + ('the Bradford District CID',))}, said the investigation was at an early stage.",
                f"The incident happened near the junction with {self.pick(STREETS)} shortly after {rng.randint(1, 12)}.{rng.randint(10, 59)}pm.",
            ))
        if r < 0.6:
            return self.pick((
                f"{cap(self.pick(TRUSTS))} said {self.pct()} of patients were seen within four hours in {self.pick(MONTHS)}.",
                f"The trust has been told to {self.pick(COMMITMENTS)}.",
                f"Waiting lists at St. Luke’s Hospital rose to {self.count()} in the year to {self.pick(MONTHS)}.",
                f"Dr {self.pick(LAST)}, the trust’s {self.pick(('medical director', 'chief nurse', 'chief executive'))}, said staff had worked “incredibly hard” throughout the pandemic.",
                f"The CQC’s report, which covers {self.pick(SERVICES)}, will be discussed at a board meeting on {self.date()}.",
            ))
        if r < 0.8:
            return self.pick((
                f"{cap(self.pick(COUNCILS))} has pledged to {self.pick(COMMITMENTS)}.",
                f"The council spent {self.money()} on {self.pick(SERVICES)} last year, up from {self.money()} the year before.",
                f"Cllr {self.person()} ({self.pick(('Lab', 'Con', 'Lib Dem', 'Green', 'Ind'))}, {self.pick(TOWNS)}) said the decision would be reviewed.",
                f"A report to the executive, due to meet on {self.date()}, says {self.pick(FINDINGS)}.",
                f"The plans, e.g. new family hubs and more staff, will cost {self.money()} over three years.",
                f"Since {rng.randint(2010, 2021)} the authority’s budget has been cut by {self.money()}, i.e. about a third.",
                f"Members voted {rng.randint(5, 60)} to {rng.randint(0, 20)} in favour of the proposals.",
                f"The U.K. Government has given the district {self.money()} from the levelling-up fund.",
            ))
        return self.pick((
            f"More than {self.count()} people have signed a petition calling for {self.pick(SERVICES)} to be kept open.",
            f"Residents in {self.pick(TOWNS)} say they were not consulted.",
            f"The scheme is due to start in {self.pick(MONTHS)}.",
            f"It is the {self.pick(('first', 'second', 'third'))} time in {rng.randint(2, 9)} years that this has happened.",
            "Nobody was hurt.",
            f"The meeting starts at {self.time()} at City Hall.",
            f"Figures show {self.pct()} of families in {self.pick(TOWNS)} are on the waiting list.",
            f"Campaigners said the move was “a step in the right direction” but warned that {self.pick(FINDINGS)}.",
        ))

    def paragraph(self) -> str:
        n = self.rng.choice((1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6))
        return " ".join(self.sentence() for _ in range(n))

    def headline(self) -> str:
        return self.pick((
            f"{cap(self.pick(SERVICES))} showing areas of improvement, say {self.pick(BODIES)}",
            f"{self.pick(TOWNS)} man arrested after {self.pick(CRIMES)} on {self.pick(STREETS)}",
            f"Council pledges to {self.pick(COMMITMENTS)}",
            f"{cap(self.pick(TRUSTS))} rated ‘{self.pick(RATINGS)}’ by inspectors",
            f"Warning over {self.pick(SERVICES)} as figures show {self.pct()} rise",
            f"{self.pick(FIRST)} {self.pick(LAST)}: ‘{self.pick(RESPONSES)}’",
        ))

    def article(self, target_chars: int, blank_lines: bool = True) -> tuple[str, str]:
        """(headline, text of about ``target_chars`` characters: headline line, then paragraphs)."""
        head = self.headline()
        paras, size = [], len(head)
        while size < target_chars or not paras:
            p = self.paragraph()
            paras.append(p)
            size += len(p) + 2
        sep = "\n\n" if blank_lines else "\n"
        return head, head + sep + sep.join(paras) + "\n"

    def article_size(self) -> int:
        """A typical article length: log-normal, median about 3 KB, from a few hundred bytes to ~30 KB."""
        return int(min(max(self.rng.lognormvariate(8.0, 0.7), 300), 30_000))

    def note(self) -> str:
        return self.pick(NOTES)


# --------------------------------------------------------------------------- web pages

SITES = (("Telegraph & Argus", "www.thetelegraphandargus.co.uk"), ("Yorkshire Post", "www.yorkshirepost.co.uk"),
         ("Bradford Courier", "www.bradfordcourier.co.uk"), ("Keighley News", "www.keighleynews.co.uk"),
         ("BBC News", "www.bbc.co.uk"), ("Examiner Live", "www.examinerlive.co.uk"))
MENU = ("Home", "News", "Sport", "What's On", "Business", "Opinion", "Property", "Jobs", "Announcements", "Puzzles")
COMMENTS = ("This is a disgrace and the council should be ashamed of itself, frankly.",
            "Nothing ever changes in this city, same old story every single year.",
            "Well done to the staff, they work incredibly hard for very little thanks.",
            "Where is all the money going? Somebody should ask the question.",
            "I used to live on that road and it was never like this back then.")


def web_page(rng: random.Random, headline: str, paragraphs: list[str], *, site: str, host: str, author: str,
             date: str, slug: str) -> str:
    """A saved news web page around ``paragraphs`` (the article body, one string each): the furniture of
    a real one in a layout drawn from ``rng`` (semantic HTML5 or nested divs): cookie banner, menu,
    breadcrumbs, adverts (also between paragraphs), share buttons, a related-links box, a newsletter
    box, reader comments, "most read", a footer; the ``<title>`` carries the site's name after a bar;
    author and date are in meta tags, JSON-LD and the byline. ``date`` is ISO (YYYY-MM-DD)."""
    esc = _escape
    pick = rng.choice
    w = NewsWriter(rng.randrange(1 << 30))
    heads = [w.headline() for _ in range(8)]
    semantic = rng.random() < 0.5
    url = f"https://{host}/news/{rng.randint(10_000_000, 30_000_000)}.{slug}/"
    box = (lambda tag, cls, inner: f'<{tag} class="{cls}">{inner}</{tag}>') if semantic else \
        (lambda tag, cls, inner: f'<div class="{cls}">{inner}</div>')
    links = lambda items: "<ul>" + "".join(f'<li><a href="/news/{i}">{esc(h)}</a></li>' for i, h in items) + "</ul>"  # noqa: E731
    cookie = ('<div id="cookie-consent" class="cookie-banner" role="dialog"><p>We use cookies and similar technologies '
              'to improve your experience, personalise content and ads, and analyse our traffic. By clicking '
              '“Accept all” you agree to our use of cookies.</p><button>Accept all</button> <button>Manage '
              'preferences</button></div>')
    menu = box("nav", "site-nav main-menu", links(enumerate(rng.sample(MENU, 7))))
    crumbs = ('<ol class="breadcrumb" itemscope><li><a href="/">Home</a></li><li><a href="/news/">News</a></li>'
              f'<li><a href="/news/local/">{esc(pick(TOWNS))} news</a></li></ol>')
    ad = lambda: f'<div class="advert ad-slot" id="ad-{rng.randint(1, 99)}"><span>Advertisement</span></div>'  # noqa: E731
    share = ('<div class="share-tools"><a href="#">Share on Facebook</a> <a href="#">Share on X</a> '
             '<a href="#">Email this story</a></div>')
    related = box("aside", "related-articles", "<h2>Related articles</h2>" + links(enumerate(heads[:3], 100)))
    newsletter = box("section", "newsletter-signup", "<h3>Sign up to our daily newsletter</h3><p>Get the latest "
                     f"news from {esc(pick(TOWNS))} straight to your inbox every morning.</p><form><input type="
                     '"email" placeholder="Your email"><button>Sign up</button></form>')
    comments = ('<section id="comments" class="comments"><h2>Comments</h2>' + "".join(
        f'<div class="comment"><p class="comment-author">{esc(w.person())}</p><p>{esc(c)}</p></div>'
        for c in rng.sample(COMMENTS, 3)) + "<p>Comments are closed on this article.</p></section>")
    most_read = box("aside", "most-read", "<h2>Most read</h2>" + links(enumerate(heads[3:8], 200)).replace("ul>", "ol>"))
    footer = ('<footer class="site-footer"><ul><li><a href="/contact">Contact us</a></li><li><a href="/privacy">'
              'Privacy policy</a></li><li><a href="/terms">Terms and conditions</a></li></ul><p>© '
              f'{date[:4]} {esc(site)}. All rights reserved. Registered in England and Wales No. '
              f'{rng.randint(1_000_000, 9_999_999)}.</p></footer>')
    byline = (f'<div class="byline"><span class="author">By <a rel="author" href="/author/">{esc(author)}</a></span> '
              f'<time datetime="{date}T{rng.randint(6, 21):02}:{rng.randint(0, 59):02}:00+01:00">'
              f'{int(date[8:])} {MONTHS[int(date[5:7]) - 1]} {date[:4]}</time></div>')
    body = []
    for i, p in enumerate(paragraphs):
        body.append(f"<p>{_inline(rng, p)}</p>")
        if i in (1, 4) and len(paragraphs) > i + 2:
            body.append(ad())
    ld = ('{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "%s", "datePublished": '
          '"%sT08:00:00+01:00", "author": {"@type": "Person", "name": "%s"}, "publisher": {"@type": '
          '"Organization", "name": "%s"}}') % (_json(headline), date, _json(author), _json(site))
    head = (f'<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">\n<title>{esc(headline)} | '
            f'{esc(site)}</title>\n<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="author" content="{esc(author)}">\n<meta property="og:site_name" content="{esc(site)}">\n'
            f'<meta property="og:title" content="{esc(headline)}">\n'
            f'<meta property="article:published_time" content="{date}T08:00:00+01:00">\n'
            f'<link rel="canonical" href="{url}">\n<link rel="stylesheet" href="/static/site.css">\n'
            f'<script type="application/ld+json">{ld}</script>\n'
            '<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}</script>\n'
            "<style>.advert{min-height:250px}</style></head>\n<body>\n")
    article = (f'<h1 class="headline">{esc(headline)}</h1>\n{byline}\n{share}\n'
               + f'<div class="{pick(("article-body", "story-body", "content", "entry-content"))}">\n'
               + "\n".join(body) + "\n</div>\n" + share)
    if semantic:
        main = (f"<main>\n{crumbs}\n<article>\n{article}\n{related}\n</article>\n{newsletter}\n{comments}\n</main>\n"
                f"{most_read}")
    else:
        main = (f'<div id="page"><div class="container">{crumbs}<div class="row"><div class="col-main">\n{article}\n'
                f'{related}{newsletter}{comments}</div><div class="col-side" id="sidebar">{ad()}{most_read}</div>'
                "</div></div></div>")
    return head + cookie + "\n<header class=\"masthead\">" + f'<a class="logo" href="/">{esc(site)}</a>' + \
        f"{menu}</header>\n{ad()}\n{main}\n{footer}\n</body></html>\n"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _json(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _inline(rng: random.Random, paragraph: str) -> str:
    """The paragraph as HTML, now and then with a word in a link, bold or italics (its text unchanged)."""
    words = _escape(paragraph).split(" ")
    if len(words) > 6 and rng.random() < 0.4:
        i = rng.randrange(len(words) - 2)
        tag = rng.choice(('a href="/topic/"', "strong", "em"))
        words[i:i + 2] = [f"<{tag}>{words[i]} {words[i + 1]}</{tag.split()[0]}>"]
    return " ".join(words)
