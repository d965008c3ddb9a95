"""Word lists the rule detectors use (pure data, lower case).

Why: spaCy's small model misses names, places and organisations in lower-case, unpunctuated
ASR text ("this is emily clark"), and it knows no drugs or conditions at all. Short curated
lists of common call-centre vocabulary close most of that gap at microsecond cost. Lists are
generic (census names, US places, common drugs), never copied from an evaluation set.

Words that are also ordinary English words ("will", "may", "bill", "mark") sit in the
``AMBIGUOUS_*`` sets: they count as names only next to a strong cue (a trigger phrase such as
"my name is", a following surname, or capitalisation in formatted text).
"""

from __future__ import annotations

from .vocab import MONTH_NAMES, WEEKDAYS


def _words(blob: str) -> frozenset[str]:
    return frozenset(blob.split())


def _phrases(blob: str) -> frozenset[str]:
    """Comma-separated phrases (may contain spaces)."""
    return frozenset(p.strip() for p in blob.split(",") if p.strip())


FIRST_NAMES = _words(
    """
    james john robert michael william david richard joseph thomas charles christopher daniel
    matthew anthony donald steven paul andrew joshua kenneth kevin brian george timothy ronald
    edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott
    brandon benjamin samuel gregory alexander patrick dennis jerry tyler aaron jose adam nathan
    henry zachary douglas peter kyle noah ethan jeremy walter christian keith roger terry austin
    sean gerald carl harold dylan arthur lawrence jordan jesse bryan billy bruce gabriel joe
    logan alan juan albert willie elijah wayne randy vincent mason roy ralph bobby russell
    bradley philip eugene louis harry howard travis luis carlos miguel antonio manuel jorge
    ricardo fernando alejandro javier francisco pedro diego rafael sergio andres mario eduardo
    hector raul roberto oscar jesus julio cesar marco omar ahmed mohammed mohammad muhammad ali
    hassan hussein ibrahim yusuf mustafa karim tariq raj rajesh ravi sanjay vikram arjun rahul
    amit anil sunil deepak vijay suresh ramesh krishna wei jun hao chen ming lei jian hiroshi
    takashi kenji yuki kim min jin hyun sung dmitri ivan sergei mikhail vladimir nikolai
    igor boris olga natasha svetlana kwame kofi chinedu emeka oluwaseun tunde jamal darnell
    tyrone malik andre marcus derek darius terrence lamar rashad dwayne reggie cedric
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty
    margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa deborah
    stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma
    nicole helen samantha katherine christine debra rachel carolyn janet catherine maria
    heather diane ruth julie olivia joyce virginia victoria kelly lauren christina joan
    evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison
    frances kathryn janice jean abigail alice judy sophia julia denise amber doris marilyn
    danielle beverly isabella theresa diana natalie brittany charlotte marie kayla alexis
    lori jane tiffany kathy rosa sofia lucia carmen elena isabel ana juana guadalupe
    veronica claudia alejandra gabriela mariana daniela valentina camila ximena paola
    adriana monica priya ananya deepa sunita anjali pooja neha kavya lakshmi meera fatima
    aisha ayesha zainab mariam leila yasmin noor mei ling xiu yan hui jing li na yuko keiko
    akiko sakura jiwoo minji seo yoon anastasia tatiana irina ekaterina chioma ngozi amara
    aaliyah keisha latoya tanisha shanice ebony imani jasmine destiny tamika
    liam oliver elijah lucas levi sebastian mateo jack owen theodore aiden samuel jackson
    hudson grayson leo ezra isaac luke julian asher landon caleb nolan hunter cameron eli
    connor jaxon colton axel evan ian adrian jace cooper ryder carson jonah brody declan
    ava mia amelia harper evelyn abigail ella scarlett grace chloe camila penelope riley
    layla lillian nora zoey hazel aubrey ellie stella natalia zoe leah aurora savannah
    audrey brooklyn bella claire skylar lucy paisley everly caroline nova genesis emilia
    kennedy maya willow kinsley naomi elena sadie quinn piper ruby serenity eva autumn
    addison aaliyah gianna valeria sophie allison madelyn hailey jenna megan courtney
    erin shannon kristen kristin lindsay lindsey chelsea whitney tara tina wendy vanessa
    erica erika tracy tracey stacy stacey kristina crystal april melanie renee yolanda
    sylvia josephine peggy bonnie anne annie marcia leslie loretta lucille rita sherry
    sheila ellen vivian irene elaine eileen lorraine paula norma joanne wanda kim
    dan danny dave davey mike mikey matt tom tommy tim jim jimmy bob rob robbie bill
    billy steve stevie greg jeff chris nick tony ken kenny ben benny sam sammy alex andy
    drew pete josh jon jonny joey frankie charlie chuck ted teddy ed eddie ron ronnie
    don donnie rick ricky richie phil doug jake zach zack nate luke max sal vince
    liz lizzie beth betsy jenny jen jess jessie katie kate kathy cathy becky becca
    sue susie patty trish tricia deb debbie cindy mandy sandy candy abby gabby maddie
    allie ally sally molly polly nikki vicky vickie steph tori sophie
    kevin priya olivia emily linda maria daniel michael robert priyanka ahmad anthony
    """
)

# First names that are also common English words or places: a cue is needed.
AMBIGUOUS_FIRST_NAMES = _words(
    """
    will may june april august bill mark rose grant hope faith joy summer pat sue art frank
    jack chase hunter dawn ray max guy page sandy holly ivy iris lily daisy violet amber ruby
    crystal angel christian king rich penny misty autumn sky river brook dale glen wade chip
    buck bud rod don jean carol terry harper mason carter cooper parker taylor tucker walker
    jordan austin madison charlotte victoria savannah georgia virginia paris dallas sydney
    florence eugene quinn riley willow aurora destiny serenity grace nova genesis hazel stella
    piper eve van bo jay robin jasmine heather olive pearl jade sage fern star storm rain earl
    duke prince marshall bishop sonny randy rocky dusty rusty patience constance prudence
    charity mercy trinity harmony melody precious honey cherry candy ginger kitty miles lane
    long reed reid ward price cash sterling pierce kim li na min jin yan hui jun hao ming lei
    jian sung seo yoon noor ali ann tara chuck teddy patty mike harry sally polly molly
    rob nick drew gene norm ally gabby jesus
    hudson jackson brooklyn kennedy cameron carson nolan logan tyler sam al ed ben tom joe
    """
)

SURNAMES = _words(
    """
    smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez
    gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white
    harris sanchez clark ramirez lewis robinson walker young allen king wright scott torres
    nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts
    gomez phillips evans turner diaz parker cruz edwards collins reyes stewart morris morales
    murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos
    kim cox ward richardson watson brooks chavez wood james bennett gray mendoza ruiz hughes
    price alvarez castillo sanders patel myers long ross foster jimenez powell jenkins perry
    russell sullivan bell coleman butler henderson barnes gonzales fisher vasquez simmons
    romero jordan patterson alexander hamilton graham reynolds griffin wallace moreno west
    cole hayes bryant herrera gibson ellis tran medina aguilar stevens murray ford castro
    marshall owens harrison fernandez mcdonald woods washington kennedy wells vargas henry
    chen freeman webb tucker guzman burns crawford olson simpson porter hunter gordon mendez
    silva shaw snyder mason dixon munoz hunt hicks holmes palmer wagner black robertson boyd
    rose stone salazar fox warren mills meyer rice schmidt garza daniels ferguson nichols
    stephens soto weaver ryan gardner payne grant dunn kelley spencer hawkins arnold pierce
    vazquez hansen peters santos hart bradley knight elliott cunningham duncan armstrong
    hudson carroll lane riley andrews alvarado ray delgado berry perkins hoffman johnston
    matthews pena richards contreras willis carpenter lawrence sandoval guerrero george
    chapman rios estrada ortega watkins greene nunez wheeler valdez harper burke larson
    santiago maldonado morrison franklin carlson austin dominguez carr lawson jacobs
    o'brien obrien o'connor oconnor o'neill oneill o'donnell lynch singh vega bishop
    montgomery oliver jensen harvey williamson gilbert dean sims espinoza howell li wong
    reid hanson le mccoy garrett burton fuller wang weber welch rojas lucas marquez fields
    park yang little banks padilla day walsh bowman schultz luna fowler mejia davidson
    acosta brewer holland juarez newman pearson curtis cortez douglas schneider joseph
    barrett navarro figueroa keller avila wade molina stanley hopkins campos barnett bates
    chambers caldwell beck lambert miranda byrd craig ayala lowe frazier powers neal leonard
    gregory carrillo sutton fleming rhodes shelton schwartz norris jennings watts duran
    walters cohen mcdaniel moran parks steele vaughn becker holt deleon barker terry hale
    leon benson haynes horton miles lyons pham graves bush thornton wolfe warner cabrera
    mckinney mann zimmerman dawson lara fletcher page mccarthy robles cervantes solis
    erickson reeves chang klein salinas fuentes baldwin daniel simon velasquez hardy higgins
    aguirre lin cummings chandler sharp barber bowen ochoa dennis robbins liu ramsey francis
    griffith paul blair cardenas pacheco cross calderon quinn moss swanson chan rivas khan
    rodgers serrano fitzgerald rosales stevenson christensen manning gill curry mclaughlin
    harmon mcgee gross doyle garner newton burgess reese walton blake trujillo adkins brady
    goodman roman webster goodwin fischer huang potter delacruz montoya todd wu hines
    mullins castaneda malone cannon tate mack sherman hubbard hodges zhang guerra wolf
    valencia saunders franco rowe gallagher farmer hammond hampton townsend ingram wise
    gallegos clarke barton schroeder maxwell waters logan camacho strickland norman
    colon parsons harrington glover osborne buchanan casey floyd patton ibarra ball tyler
    suarez bowers orozco salas cobb gibbs andrade bauer conner moody escobar mcguire lloyd
    mueller hartman french kramer mcbride pope lindsey velazquez norton mccormick sparks
    flynn yates hogan marsh macias villanueva zamora pratt stokes owen ballard lang brock
    villarreal charles drake barrera cain patrick pineda burnett mercado santana shepherd
    bautista ali shaffer lamb trevino mckenzie hess olsen cochran morton nash wilkins
    petersen briggs shah roth nicholson holloway lozano rangel flowers hoover arias mora
    valenzuela bryan meyers weiss underwood bass greer summers houston carson morrow
    clayton whitaker decker yoder collier zuniga carey wilcox melendez poole roberson
    larsen conley davenport copeland massey lam huff rocha cameron jefferson hood monroe
    anthony pittman huynh randall singleton kirk combs mathis skinner bradford galvan
    boone kirby wilkinson bridges bruce atkinson velez meza roy vincent york hodge villa
    abbott allison tapia gates sosa sweeney farrell wyatt dalton horn barron phelps yu
    dickerson heath foley atkins mathews bonilla acevedo benitez zavala hensley glenn
    cisneros harrell shields rubio choi huffman boyer garrison arroyo bond kane hancock
    callahan dillon cline wiggins grimes arellano melton savage ho beltran pitts parrish
    ponce booth koch golden ware brennan mcdowell marks cantu humphrey baxter sawyer clay
    tanner hutchinson kaur berg wiley gilmore russo villegas hobbs keith wilkerson ahmed
    beard mcclain montes mata rosario vang walter henson mosley mcclure beasley stephenson
    preston vance barry johns eaton blackwell dyer prince macdonald solomon guevara stafford
    hurst woodard cortes shannon kemp nolan mccullough merritt murillo moon salgado kline
    cordova barajas roach rosas winters jacobson lester knox bullock kerr leach meadows orr
    davila whitehead pruitt kent conway mckee barr david dejesus marin berger mcintyre
    blankenship gaines palacios cuevas bartlett durham dorsey mccall stein browning stout
    lowery sloan mclean hendricks calhoun sexton chung gentry hull duarte ellison nielsen
    gillespie middleton sellers leblanc esparza hardin bradshaw mcintosh howe livingston
    frost morse knapp herman stark bravo noble spears weeks corona frederick buckley
    mcfarland hebert enriquez hickman quintero randolph schaefer walls trejo reilly
    pennington conrad giles benjamin crosby fitzpatrick donovan mays mahoney valentine
    raymond medrano hahn mcmillan bentley felix peck lucero boyle hanna pace rush hurley
    harding mcconnell bernal nava ayers everett ventura avery pugh mayer bender shepard
    mcmahon landry sampson moses magana blackburn dunlap gould duffy vaughan herring mckay
    espinosa rivers farley bernard ashley friedman potts truong costa correa blevins nixon
    clements fry best benton lugo portillo dougherty crane haley phan villalobos blanchard
    horne finley quintana esquivel bean dodson mullen xiong hayden cano levy huber richmond
    moyer lim frye sheppard mccarty avalos booker waller parra woodward jaramillo krueger
    rasmussen brandt peralta donaldson stuart faulkner maynard galindo coffey estes sanford
    burch maddox vo andersen spence mcpherson schmitt stanton leal compton dudley sierra
    pollard alfaro hester proctor lu hinton novak madden mccann terrell jarvis dickson
    reyna cantrell mayo hendrix rollins rowland whitney odom daugherty travis tang
    gupta sharma kumar reddy rao iyer nair mehta shah joshi desai chowdhury das bose
    yamamoto tanaka suzuki watanabe ito nakamura kobayashi sato takahashi kato
    ivanov petrov smirnov popov kowalski nowak novak muller schulz hoffmann
    okafor adeyemi mensah osei abubakar mohammed hussain rahman ahmadi karimi hosseini
    """
)

AMBIGUOUS_SURNAMES = _words(
    """
    brown white black green gray grey young king long little may rose stone hill wood woods
    cook baker hunter price ward day bell banks best case house small strong good love rich
    cross glass snow wall page lane park fox wolf hall moon frost golden rush pace hood
    bush ball sharp noble bond mann person frank short fields marks powers rivers winters
    summers waters flowers mills wells miles barber carpenter farmer porter turner mason
    bishop prince sawyer tanner walker hart gates kirk clay reed holt west le li lu ho lam
    yu ray dean may chase will grant lee kim bean bass best crane dyer fry gill hale hunt
    joseph james george henry thomas paul david daniel charles walter vincent anthony
    patrick francis dennis douglas lawrence raymond gregory russell wade miller
    """
)

# Words that are never part of a name (sentence glue that follows a name in ASR text).
NOT_NAME_WORDS = _words(
    """
    a an the and or but so if then than that this these those there here it its it's i i'm
    me my mine you your yours he him his she her hers we us our they them their is am are was
    were be been being have has had do does did will would shall should can could may might
    must not no yes yeah yep ok okay sure please thanks thank hi hello hey bye goodbye
    speaking calling here from with for to of in on at by about as just also too very really
    well um uh er ah oh hmm like know calling call again back today tomorrow yesterday now
    sir madam ma'am mam last first middle full name names spelled spell spelling is called
    who what when where why how which said says say told tell ask asked
    account number phone email address card social security date birth born
    one two three four five six seven eight nine ten zero oh double triple
    speaking department support team services service billing customer agent manager
    mr mrs ms miss mx dr doctor prof professor mister
    """
) | WEEKDAYS | (frozenset(MONTH_NAMES) - {"may"})  # "may" is a verb: it may follow a name

US_STATES = _phrases(
    """
    alabama, alaska, arizona, arkansas, california, colorado, connecticut, delaware, florida,
    georgia, hawaii, idaho, illinois, indiana, iowa, kansas, kentucky, louisiana, maine,
    maryland, massachusetts, michigan, minnesota, mississippi, missouri, montana, nebraska,
    nevada, new hampshire, new jersey, new mexico, new york, north carolina, north dakota,
    ohio, oklahoma, oregon, pennsylvania, rhode island, south carolina, south dakota,
    tennessee, texas, utah, vermont, virginia, washington, west virginia, wisconsin, wyoming,
    district of columbia, puerto rico
    """
)

US_STATE_ABBR = _words(
    """
    AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ
    NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR
    """
)

CITIES = _phrases(
    """
    new york, los angeles, chicago, houston, phoenix, philadelphia, san antonio, san diego,
    dallas, san jose, austin, jacksonville, fort worth, columbus, charlotte, indianapolis,
    san francisco, seattle, denver, oklahoma city, nashville, el paso, boston,
    portland, las vegas, detroit, memphis, louisville, baltimore, milwaukee, albuquerque,
    tucson, fresno, sacramento, kansas city, mesa, atlanta, omaha, colorado springs, raleigh,
    long beach, virginia beach, miami, oakland, minneapolis, tulsa, bakersfield, wichita,
    arlington, aurora, tampa, new orleans, cleveland, honolulu, anaheim, lexington, stockton,
    henderson, riverside, corpus christi, newark, saint paul, st paul, santa ana, cincinnati,
    irvine, orlando, pittsburgh, st louis, saint louis, greensboro, jersey city, anchorage,
    lincoln, plano, durham, buffalo, chandler, chula vista, toledo, madison, gilbert, reno,
    fort wayne, north las vegas, st petersburg, lubbock, irving, laredo, winston salem,
    chesapeake, glendale, garland, scottsdale, norfolk, boise, fremont, spokane, santa clarita,
    baton rouge, richmond, hialeah, san bernardino, tacoma, modesto, huntsville, des moines,
    yonkers, rochester, moreno valley, fayetteville, fontana, columbus, worcester, port st lucie,
    little rock, augusta, oxnard, birmingham, montgomery, frisco, amarillo, salt lake city,
    grand rapids, huntington beach, overland park, tallahassee, grand prairie, mckinney,
    cape coral, sioux falls, peoria, providence, vancouver, knoxville, akron, shreveport,
    brownsville, chattanooga, newport news, fort lauderdale, ontario, springfield, pasadena,
    savannah, syracuse, hartford, jackson, charleston, albany, trenton, harrisburg, annapolis,
    dover, concord, montpelier, augusta, burlington, bridgeport, new haven, stamford, cambridge,
    lowell, worcester, ann arbor, lansing, flint, dayton, evanston, naperville, joliet,
    bloomington, champaign, berkeley, palo alto, santa monica, santa barbara, santa cruz,
    san mateo, sunnyvale, mountain view, cupertino, redwood city, hayward, santa rosa,
    eugene, salem, olympia, bellevue, everett, boulder, fort collins, provo, ogden, tempe,
    flagstaff, santa fe, las cruces, galveston, waco, killeen, midland, odessa, beaumont,
    mobile, montgomery, tuscaloosa, biloxi, gulfport, baton rouge, lafayette, jackson,
    pensacola, gainesville, sarasota, naples, daytona beach, key west, boca raton,
    west palm beach, clearwater, macon, athens, columbia, greenville, myrtle beach,
    asheville, wilmington, durham, chapel hill, roanoke, alexandria, arlington, bethesda,
    silver spring, rockville, scranton, allentown, erie, camden, paterson, atlantic city,
    hoboken, brooklyn, queens, manhattan, the bronx, bronx, staten island, long island,
    white plains, ithaca, utica, schenectady, portland, bangor, nashua, manchester,
    des moines, cedar rapids, davenport, topeka, lincoln, fargo, bismarck, billings, missoula,
    cheyenne, casper, rapid city, duluth, green bay, kenosha, toledo, youngstown, canton,
    london, paris, berlin, madrid, rome, lisbon, dublin, amsterdam, brussels, vienna,
    zurich, geneva, munich, frankfurt, hamburg, barcelona, milan, venice, florence, naples,
    prague, warsaw, budapest, athens, istanbul, moscow, stockholm, oslo, copenhagen,
    helsinki, edinburgh, glasgow, manchester, liverpool, toronto, montreal, vancouver,
    calgary, ottawa, mexico city, guadalajara, monterrey, cancun, tijuana, havana,
    bogota, lima, santiago, buenos aires, sao paulo, rio de janeiro, caracas, quito,
    tokyo, osaka, kyoto, beijing, shanghai, hong kong, shenzhen, taipei, seoul, busan,
    singapore, bangkok, manila, jakarta, hanoi, ho chi minh city, kuala lumpur, mumbai,
    delhi, new delhi, bangalore, bengaluru, chennai, kolkata, hyderabad, karachi, lahore,
    dhaka, dubai, abu dhabi, doha, riyadh, tel aviv, jerusalem, cairo, lagos, nairobi,
    johannesburg, cape town, accra, casablanca, sydney, melbourne, brisbane, perth,
    auckland, wellington
    """
)

COUNTRIES = _phrases(
    """
    afghanistan, albania, algeria, argentina, armenia, australia, austria, azerbaijan,
    bahamas, bangladesh, belarus, belgium, belize, bolivia, bosnia, brazil, bulgaria,
    cambodia, cameroon, canada, chile, china, colombia, costa rica, croatia, cuba, cyprus,
    czech republic, czechia, denmark, dominican republic, ecuador, egypt, el salvador,
    england, estonia, ethiopia, fiji, finland, france, germany, ghana, greece, guatemala,
    haiti, honduras, hungary, iceland, india, indonesia, iran, iraq, ireland, israel, italy,
    jamaica, japan, kazakhstan, kenya, korea, south korea, north korea, kuwait, laos, latvia,
    lebanon, liberia, libya, lithuania, luxembourg, madagascar, malaysia, mali, malta,
    mexico, moldova, mongolia, montenegro, morocco, mozambique, myanmar, nepal,
    netherlands, new zealand, nicaragua, niger, nigeria, norway, pakistan, panama,
    paraguay, peru, philippines, poland, portugal, qatar, romania, russia, rwanda,
    saudi arabia, scotland, senegal, serbia, singapore, slovakia, slovenia, somalia,
    south africa, spain, sri lanka, sudan, sweden, switzerland, syria, taiwan, tanzania,
    thailand, tunisia, uganda, ukraine, united arab emirates, united kingdom, united states,
    united states of america, uruguay, uzbekistan, venezuela, vietnam, wales, yemen,
    zambia, zimbabwe, the united states, the uk, usa, the usa, the netherlands,
    the philippines
    """
)

# Places that are also names or ordinary words: need a location cue ("in", "from", a state).
AMBIGUOUS_PLACES = _phrases(
    """
    austin, charlotte, madison, jackson, lincoln, aurora, henderson, gilbert, irving, chandler,
    savannah, florence, eugene, mobile, buffalo, columbia, lafayette, richmond, montgomery,
    everett, dallas, paris, sydney, georgia, virginia, jordan, chad, turkey, china, jamaica,
    phoenix, salem, dover, concord, ontario, peoria, vancouver, augusta, canton, athens,
    naples, camden, durham, reading, orange, independence, victoria, santiago, lima, nice,
    washington, oliver, midland, providence, columbus,
    bismarck, hudson, warren, logan, tyler, garland, fremont, mesa, norman, albany, erie,
    alexandria, glendale, pasadena, burlington, ogden, provo, bangor, nashua, casper, billings,
    fargo, topeka, kenosha, duluth, utica, hoboken, waco, odessa, beaumont, killeen, macon,
    chester, franklin, clinton, marion, monroe, salem, bristol, kent, york
    """
)

LOCATION_CUES = _words("in from to at near around outside visit visiting live living lives moved move based located flight fly flying drive driving head heading trip travel traveling travelling")

STREET_SUFFIXES = _words(
    """
    street st avenue ave road rd boulevard blvd lane ln drive dr court ct way place pl terrace
    ter circle cir parkway pkwy highway hwy trail trl square sq loop alley crescent close
    pike route expressway freeway turnpike row walk plaza
    """
)

UNIT_WORDS = _words("apartment apt suite ste unit unit# floor fl building bldg room rm po")

ORG_SUFFIXES = _words(
    """
    insurance bank bancorp energy pharmacy pharmacies travel travels airlines airline airways
    hospital hospitals clinic clinics university college inc incorporated corp corporation
    llc ltd limited group company partners solutions services systems technologies
    technology health healthcare foundation association motors telecom wireless electric
    utilities logistics realty financial capital labs laboratories media communications
    pharmaceuticals properties holdings industries enterprises consulting associates
    dental medical fitness foods markets restaurants hotel hotels resorts cable mortgage
    lending trust mutual assurance ventures networks software studios institute
    academy credit claims power broadband telecommunications bancshares securities
    investments brokerage dealership automotive auto rentals airways express
    optical solar roofing plumbing heating construction movers moving freight shipping transport
    transportation law legal accounting staffing supply supplies printing outfitters apparel
    """
)

# Well-known organisations, safe in lower case (no ordinary-word meaning).
KNOWN_ORGS = _phrases(
    """
    microsoft, google, alphabet, amazon, facebook, instagram, whatsapp, netflix, ibm, intel,
    oracle, salesforce, adobe, nvidia, qualcomm, cisco, dell, hewlett packard, hp, lenovo,
    samsung, sony, toyota, honda, nissan, hyundai, ford motor, general motors, tesla,
    volkswagen, bmw, mercedes benz, walmart, costco, kroger, walgreens, cvs, home depot,
    lowe's, best buy, ikea, starbucks, mcdonald's, pepsico, coca cola, procter and gamble,
    johnson and johnson, pfizer, moderna, merck, novartis, abbvie, kaiser permanente, kaiser,
    aetna, cigna, humana, anthem, blue cross, blue cross blue shield, unitedhealthcare,
    united healthcare, unitedhealth, geico, state farm, allstate,
    progressive insurance, liberty mutual, nationwide, farmers insurance, usaa, metlife,
    prudential, wells fargo, chase, jpmorgan, jp morgan, jpmorgan chase, bank of america,
    citibank, citigroup, citi, capital one, goldman sachs, morgan stanley, american express,
    us bank, pnc, truist, td bank, hsbc, barclays, santander, charles schwab, fidelity,
    vanguard, paypal, venmo, zelle, square, stripe, verizon, at&t, att, t-mobile, tmobile,
    sprint, comcast, xfinity, spectrum, charter, cox communications, dish network, directv,
    fedex, ups, usps, dhl, delta, delta airlines, united airlines, american airlines,
    southwest, southwest airlines, jetblue, alaska airlines, expedia, airbnb, uber, lyft,
    doordash, boeing, lockheed martin, exxon, exxonmobil, chevron, shell, bp, irs, fbi,
    social security administration, dmv, mayo clinic, cleveland clinic, target, apple, square,
    stripe, shell, delta, spectrum, charter, nationwide, fidelity, vanguard, sprint, discover,
    progressive, cox, dish, citi, kaiser
    """
)

# Capitalised words spaCy tags as ORG/PERSON/GPE in call-centre speech that are not PII.
NOT_ENTITY = _phrases(
    """
    visa, mastercard, master card, amex, american express, discover, maestro, jcb, diners club,
    ip, iban, dob, d o b, cvv, cvc, ssn, id, pin, zip, vin, url, email, e-mail, atm, ach, swift,
    social security, social, routing, n/a, ok, okay, hi, hello, thanks, thank you, sir, ma'am,
    madam, customer service, billing, support, technical support, claims department,
    the claims department, press, step, room, page, version, hold, yeah, yes, no, um, uh
    """
)

CONDITIONS = _phrases(
    """
    diabetes, type 1 diabetes, type 2 diabetes, type one diabetes, type two diabetes,
    prediabetes, asthma, adhd, add, autism, depression, anxiety, bipolar, bipolar disorder,
    schizophrenia, ptsd, ocd, cancer, breast cancer, lung cancer, prostate cancer,
    skin cancer, colon cancer, leukemia, lymphoma, melanoma, tumor, tumour, hypertension,
    high blood pressure, low blood pressure, high cholesterol, heart disease, heart failure,
    heart attack, heart condition, arrhythmia, atrial fibrillation, afib, stroke, copd,
    emphysema, bronchitis, pneumonia, tuberculosis, covid, covid-19, covid 19, long covid,
    influenza, the flu, hepatitis, hepatitis c, hiv, aids, arthritis, rheumatoid arthritis,
    osteoarthritis, osteoporosis, alzheimer's, alzheimers, alzheimer's disease, dementia,
    parkinson's, parkinsons, parkinson's disease, multiple sclerosis, ms, epilepsy,
    seizures, migraine, migraines, fibromyalgia, lupus, crohn's, crohns, crohn's disease,
    celiac, celiac disease, ulcerative colitis, ibs, irritable bowel syndrome, gerd,
    acid reflux, kidney disease, chronic kidney disease, kidney failure, kidney stones,
    liver disease, cirrhosis, anemia, sickle cell, hemophilia, obesity, sleep apnea,
    insomnia, eczema, psoriasis, glaucoma, cataracts, macular degeneration, scoliosis,
    gout, hypothyroidism, hyperthyroidism, thyroid disease, endometriosis, pcos,
    eating disorder, anorexia, bulimia, addiction, alcoholism, substance abuse,
    concussion, cerebral palsy, down syndrome, dyslexia, tinnitus, vertigo, shingles,
    chickenpox, measles, mumps, strep throat, sinusitis, allergies, food allergy,
    peanut allergy, hay fever, chronic pain, back pain, sciatica, cystic fibrosis,
    muscular dystrophy, als, huntington's disease, pneumothorax, sepsis, uti,
    urinary tract infection, infection, diabetic, asthmatic, epileptic, postpartum depression,
    panic disorder, panic attacks, social anxiety, high blood sugar, low blood sugar,
    hypoglycemia, hyperglycemia, blood clots, dvt, deep vein thrombosis, angina, aneurysm
    """
)

# Conditions that are also ordinary words: need a medical cue ("diagnosed", "has", "have").
AMBIGUOUS_CONDITIONS = _phrases("add, ms, als, stroke, infection, addiction, depression, vertigo, aids, allergies, the flu, cancer, tumor, anxiety, seizures, uti")

MEDICAL_CUES = _words(
    """
    diagnosed diagnosis has have having had suffer suffers suffering suffered with treated
    treatment for history condition chronic severe mild battling dealing fighting living
    struggling developed got recovering survivor managing
    """
)

DRUGS = _phrases(
    """
    metformin, lisinopril, atorvastatin, lipitor, amlodipine, norvasc, levothyroxine,
    synthroid, omeprazole, prilosec, simvastatin, zocor, losartan, cozaar, albuterol,
    proair, ventolin, gabapentin, neurontin, hydrochlorothiazide, hctz, sertraline, zoloft,
    fluoxetine, prozac, escitalopram, lexapro, citalopram, celexa, paroxetine, paxil,
    bupropion, wellbutrin, trazodone, duloxetine, cymbalta, venlafaxine, effexor,
    alprazolam, xanax, lorazepam, ativan, clonazepam, klonopin, diazepam, valium,
    zolpidem, ambien, adderall, amphetamine, methylphenidate, ritalin, concerta, vyvanse,
    ibuprofen, advil, motrin, acetaminophen, tylenol, paracetamol, naproxen, aleve,
    aspirin, celecoxib, celebrex, meloxicam, diclofenac, tramadol, oxycodone, oxycontin,
    percocet, hydrocodone, vicodin, norco, morphine, codeine, fentanyl, methadone,
    buprenorphine, suboxone, naloxone, narcan, penicillin, amoxicillin, augmentin,
    azithromycin, zithromax, z-pack, z pack, doxycycline, cephalexin, keflex, ciprofloxacin,
    cipro, levofloxacin, clindamycin, bactrim, metronidazole, flagyl, nitrofurantoin,
    prednisone, prednisolone, methylprednisolone, hydrocortisone, dexamethasone, insulin,
    lantus, humalog, novolog, ozempic, wegovy, semaglutide, mounjaro, tirzepatide,
    trulicity, victoza, jardiance, farxiga, januvia, glipizide, glimepiride, warfarin,
    coumadin, eliquis, apixaban, xarelto, rivaroxaban, clopidogrel, plavix, heparin,
    metoprolol, lopressor, toprol, atenolol, carvedilol, propranolol, furosemide, lasix,
    spironolactone, diltiazem, verapamil, nifedipine, valsartan, diovan, olmesartan,
    benazepril, enalapril, ramipril, rosuvastatin, crestor, pravastatin, ezetimibe,
    pantoprazole, protonix, esomeprazole, nexium, famotidine, pepcid, ranitidine, zantac,
    ondansetron, zofran, montelukast, singulair, cetirizine, zyrtec, loratadine, claritin,
    fexofenadine, allegra, diphenhydramine, benadryl, fluticasone, flonase, advair,
    symbicort, spiriva, epipen, epinephrine, levetiracetam, keppra, lamotrigine, lamictal,
    topiramate, topamax, valproate, depakote, carbamazepine, tegretol, lithium,
    quetiapine, seroquel, aripiprazole, abilify, risperidone, risperdal, olanzapine,
    zyprexa, haloperidol, donepezil, aricept, memantine, sumatriptan, imitrex,
    cyclobenzaprine, flexeril, baclofen, tamsulosin, flomax, finasteride, sildenafil,
    viagra, tadalafil, cialis, estradiol, progesterone, testosterone, birth control,
    methotrexate, humira, adalimumab, enbrel, remicade, hydroxychloroquine, plaquenil,
    allopurinol, colchicine, alendronate, fosamax, vitamin d, folic acid, iron supplements,
    nitroglycerin, digoxin, amiodarone, tamiflu, oseltamivir, paxlovid, chemotherapy drugs,
    tamoxifen, letrozole, keytruda
    """
)

MEDICAL_PROCEDURES = _phrases(
    """
    surgery, knee surgery, hip replacement, knee replacement, heart surgery, bypass surgery,
    open heart surgery, chemotherapy, chemo, radiation therapy, radiation treatment,
    dialysis, mri, an mri, ct scan, cat scan, pet scan, x-ray, xray, ultrasound,
    mammogram, colonoscopy, endoscopy, biopsy, blood test, blood work, physical therapy,
    occupational therapy, appendectomy, tonsillectomy, hysterectomy, mastectomy,
    c-section, cesarean, angioplasty, stent, pacemaker, transplant, kidney transplant,
    liver transplant, cataract surgery, lasik, root canal, vasectomy, ekg, ecg,
    echocardiogram, stress test, vaccination, flu shot, physical exam, rehab,
    rehabilitation, spinal fusion, gastric bypass, ivf, in vitro fertilization, amniocentesis,
    sleep study, allergy test, covid test, pap smear, infusion, transfusion, blood transfusion
    """
)

GENDERS = _phrases(
    "male, female, non-binary, nonbinary, non binary, transgender, trans woman, trans man, genderqueer, genderfluid, gender fluid, agender, intersex, cisgender, two-spirit"
)
SEXUALITIES = _phrases(
    "gay, lesbian, bisexual, bi, heterosexual, homosexual, asexual, pansexual, queer, straight"
)
AMBIGUOUS_SEXUALITY = _phrases("bi, straight, queer, gay")
RELIGIONS = _phrases(
    """
    christian, catholic, roman catholic, protestant, baptist, methodist, lutheran,
    presbyterian, episcopalian, evangelical, pentecostal, mormon, jehovah's witness,
    orthodox, greek orthodox, muslim, islamic, sunni, shia, jewish, hindu, buddhist, sikh,
    jain, atheist, agnostic, pagan, wiccan, quaker, amish, mennonite, adventist,
    seventh-day adventist, rastafarian, unitarian, scientologist, bahai, zoroastrian
    """
)
POLITICAL = _phrases(
    """
    democrat, democratic, republican, libertarian, green party, socialist, communist,
    conservative, liberal, progressive, independent, tory, labour, maga, centrist,
    democratic socialist, moderate
    """
)
AMBIGUOUS_POLITICAL = _phrases("democratic, conservative, liberal, progressive, independent, moderate, labour, green party")
MARITAL = _phrases(
    "married, divorced, widowed, widow, widower, separated, single, engaged, remarried, unmarried, in a civil union, in a domestic partnership"
)
ZODIAC = _phrases(
    "aries, taurus, gemini, cancer, leo, virgo, libra, scorpio, sagittarius, capricorn, aquarius, pisces"
)
LANGUAGES = _phrases(
    """
    english, spanish, french, german, italian, portuguese, russian, mandarin, cantonese,
    chinese, japanese, korean, vietnamese, tagalog, arabic, hindi, urdu, bengali, punjabi,
    gujarati, tamil, telugu, marathi, farsi, persian, turkish, polish, ukrainian, dutch,
    greek, hebrew, swahili, amharic, somali, yoruba, igbo, haitian creole, creole, thai,
    indonesian, malay, romanian, hungarian, czech, swedish, norwegian, danish, finnish,
    sign language, american sign language, asl
    """
)
NATIONALITIES = _phrases(
    """
    american, canadian, mexican, british, english, irish, scottish, welsh, french, german,
    italian, spanish, portuguese, dutch, belgian, swiss, austrian, swedish, norwegian,
    danish, finnish, polish, russian, ukrainian, greek, turkish, israeli, egyptian,
    moroccan, nigerian, kenyan, ghanaian, ethiopian, somali, south african, indian,
    pakistani, bangladeshi, chinese, japanese, korean, vietnamese, filipino, thai,
    indonesian, malaysian, australian, brazilian, argentinian, argentine, colombian,
    venezuelan, peruvian, chilean, cuban, puerto rican, dominican, haitian, jamaican,
    salvadoran, guatemalan, honduran, nicaraguan, iranian, iraqi, syrian, lebanese,
    saudi, afghan, romanian, hungarian, czech, serbian, croatian, bosnian, albanian
    """
)
# Ethnic / regional group words spaCy tags NORP (kept as nationality, not mistaken for names).
GROUP_WORDS = _phrases(
    """
    hispanic, latino, latina, latinx, asian, asian american, african american, black, white,
    caucasian, native american, indigenous, european, arab, arabic, middle eastern, pacific islander,
    jewish, muslim, christian, catholic, hindu, buddhist, sikh, democrats, republicans, democrat,
    republican, americans, canadians, mexicans, latin american, south asian, east asian
    """
)

OCCUPATIONS = _phrases(
    """
    nurse, registered nurse, doctor, physician, surgeon, dentist, pharmacist, teacher,
    professor, engineer, software engineer, software developer, developer, programmer,
    accountant, lawyer, attorney, paralegal, electrician, plumber, carpenter, mechanic,
    contractor, construction worker, firefighter, police officer, cop, paramedic, emt,
    pilot, flight attendant, truck driver, driver, cashier, waiter, waitress, bartender,
    chef, cook, barista, farmer, rancher, veterinarian, vet, therapist, psychologist,
    psychiatrist, social worker, counselor, architect, designer, graphic designer,
    photographer, journalist, reporter, writer, author, artist, musician, actor, actress,
    student, graduate student, retiree, consultant, analyst, data scientist, scientist,
    researcher, real estate agent, realtor, banker, financial advisor, salesman,
    salesperson, sales rep, sales representative, receptionist, secretary, administrator,
    manager, project manager, store manager, janitor, custodian, housekeeper, nanny,
    babysitter, caregiver, home health aide, cna, teacher's aide, librarian, soldier,
    veteran, marine, sailor, security guard, hairdresser, hair stylist, barber, tailor,
    welder, machinist, technician, pharmacy technician, dental hygienist, optometrist,
    chiropractor, physical therapist, occupational therapist, midwife, judge, professor,
    principal, coach, personal trainer, mail carrier, postal worker, delivery driver,
    bus driver, taxi driver, uber driver, web developer, it specialist, ceo, cfo,
    small business owner, business owner, entrepreneur, homemaker, stay-at-home mom,
    stay at home mom, stay-at-home dad, stay at home dad, pastor, priest, minister, rabbi
    """
)
