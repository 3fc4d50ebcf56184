"""Parts of the safety screen: normalisation, the pattern language, guards, raise-only model."""

from __future__ import annotations

import random

import pytest

from bot.safety import classifier as clf
from bot.safety.data import load_rows, pattern_files
from bot.safety.patterns import PatternCompiler, PatternError, load_groups
from bot.safety.result import level_rank
from bot.safety.screener import Screener, combine, window_texts


@pytest.fixture(scope="module")
def rules_only() -> Screener:
    return Screener(model=None, validate=True)  # spaCy checks every compiled pattern


def norm(s: Screener, text: str) -> str:
    return s.normaliser(text, close=False).text


def test_normalisation(rules_only):
    assert norm(rules_only, "PLEEEEASE help") == "please help"
    assert norm(rules_only, "soooo tired") == "so tired"
    assert norm(rules_only, "kms") == "kill myself"
    assert norm(rules_only, "i cant") == "i can not"
    assert norm(rules_only, "I’m gonna") == "i am going to"
    assert norm(rules_only, "want 2 die") == "want to die"
    assert norm(rules_only, "2 tablets") == "2 tablets"
    assert norm(rules_only, "ill be gone") == "i will be gone"
    assert norm(rules_only, "im ill") == "i am ill"
    assert norm(rules_only, "k1ll mys3lf") == "kill myself"
    assert norm(rules_only, "3am") == "3am"
    assert norm(rules_only, "nothin left") == "nothing left"
    assert norm(rules_only, "self-harm!!") == "self harm ! !"


def test_evidence_maps_back_to_the_original(rules_only):
    n = rules_only.normaliser("Honestly I wanna KMS… soooon")
    start = n.text.index("kill")
    end = n.text.index("myself") + len("myself")
    assert n.source(start, end) == "KMS"
    assert n.source(n.text.index("soon"), n.text.index("soon") + 4) == "soooon"


def test_every_group_says_why_and_every_signal_has_a_level():
    groups, _ = load_groups(pattern_files())
    assert groups
    for g in groups:
        assert len(g.why) > 20, g.id
        if g.kind == "signal":
            assert g.level in ("crisis", "trauma") and g.categories, g.id


def test_pattern_language(rules_only):
    c = PatternCompiler({"pills": ["tablet", "paracetamol"]}, rules_only.rules.analyse)
    [pattern] = c.compile("took ~2 @pills")
    assert pattern[0] == {"LEMMA": {"IN": ["take"]}}
    assert pattern[1]["OP"] == "{0,2}"
    assert set(pattern[2]["LEMMA"]["IN"]) == {"tablet", "paracetamol"}
    assert len(c.compile("going+to|will kill")) == 2  # a two-word alternative is its own branch
    with pytest.raises(PatternError):
        c.compile("~2 kill")
    with pytest.raises(PatternError):
        c.compile("@nosuchset")
    # a regex can be one of the alternatives (it used to be read as a word, silently)
    variants = c.compile("/^\\d+$/|two winters ago")
    assert len(variants) == 2
    assert {"LOWER": {"REGEX": "^\\d+$"}} in [v[0] for v in variants]
    with pytest.raises(PatternError):
        c.compile("=two|/^\\d+$/ winters")
    # "gasping|can not+breathe" is two items, (gasping|can) then (not breathe): never meant
    with pytest.raises(PatternError, match="can\\+not\\+breathe"):
        c.compile("oxygen ~6 gasping|can not+breathe")
    assert c.compile("oxygen ~6 gasping|can+not+breathe")
    assert c.compile("will|can not ~1 wake")  # "not" on its own after can/will is meant


def test_a_guard_does_not_remove_a_strong_signal(rules_only):
    # "killing me" hyperbole guard vs. a plain statement next to it
    r = rules_only.screen("this job is killing me, honestly i want to kill myself")
    assert r.level == "crisis" and "suicide.direct" in r.signals


def test_past_markers_turn_violence_into_trauma(rules_only):
    assert rules_only.screen("my ex hit me last night").level == "crisis"
    assert rules_only.screen("my ex used to hit me, we split years ago").level == "trauma"
    assert rules_only.screen("got stabbed last week and theyre coming back").level == "crisis"
    assert rules_only.screen("got stabbed 5 years ago").level == "trauma"


def test_exposure_needs_cold_or_illness(rules_only):
    assert rules_only.screen("sleeping rough tonight").level == "none"
    assert rules_only.screen("sleeping rough tonight and its snowing").level == "crisis"


def test_the_model_only_raises():
    rng = random.Random(3)
    labels = [clf.CRISIS, clf.FLAG, "CAT_suicide", "CAT_bereavement", "CAT_medical"]
    for _ in range(500):
        rule_level = rng.choice(["none", "trauma", "crisis"])
        rule_cats = {"none": [], "trauma": ["bereavement"], "crisis": ["medical"]}[rule_level]
        scores = {k: rng.random() for k in labels}
        level, cats, raised = combine(rule_level, rule_cats, scores, 0.6, 0.6)
        assert level_rank(level) >= level_rank(rule_level)
        if level == rule_level:
            assert set(rule_cats) <= set(cats)
        assert bool(cats) == (level != "none"), (rule_level, level, cats)


def test_long_messages_are_read_in_windows():
    words = [f"w{i}" for i in range(200)]
    windows = window_texts(words)
    assert len(windows) > 1
    assert windows[-1].endswith("w199")
    assert window_texts(["one", "two"]) == ["one two"]


def test_train_data_has_both_splits():
    rows = load_rows()
    if not rows:
        pytest.skip("no labelled safety data yet")
    splits = {r.get("split") for r in rows}
    assert {"train", "heldout"} <= splits


# Rules alone, for the areas a fresh measurement showed were weak (written new, not copied from
# any evaluation set).
RULE_CRISIS = [
    ("is it quick if you step off a tall car park or do you feel it", "suicide"),
    ("how long would it take to bleed out from my wrist", "suicide"),
    ("so weary of existing these days", "suicide"),
    ("i wouldnt mind if i never woke up", "suicide"),
    ("nobody would notice if i was dead", "suicide"),
    ("went at my thigh with a razor again", "self_harm"),
    ("my wrists are cut to ribbons", "self_harm"),
    ("he had his hands around my throat this morning", "domestic_abuse"),
    ("she pinned me down and hit me", "domestic_abuse"),
    ("necked 25 gabapentin and i keep nodding off", "overdose"),
    ("my ex is sat outside my flat now", "violence_danger"),
]
RULE_NOT_CRISIS = [
    "stabbed in the back by my best mate, typical",
    "my gran would kill me if she saw the state of my hair",
    "the council are strangling us with these charges",
    "whats the max ibuprofen in a day for a bad back",
    "my mum is parked outside waiting for me",
    "took 2 paracetamol for my headache and feel sick",
    "the wifi in the hostel is dead again",
    "my arms are a mess of tattoos",
]


# Round 13: readings that reached too far (each was a false alarm), and the real dangers that
# must still be found once they were narrowed. New sentences, not copied from any data file.
ROUND13_NOT_FLAGGED = [
    "ive had a lot of support from my keyworker this year",  # "have ... lot of" is not an overdose
    "we have a lot of damp in the back bedroom",
    "my 13 yr old wants to join the football team",  # "old" is not the danger cue "older"
    "my son is missing school because the bus never comes",
    "i need to fit the course around my shifts",  # "fit" is not a seizure here
    "can you find a solicitor who does it cheap",
    "i sleep on a blow up bed until the sofa comes",
    "am i eligible for the setting up home grant as a care leaver",
    "my mate destroyed me on fifa again last night",
]
ROUND13_CRISIS = [
    ("necked a whole strip of my sleeping tablets", "overdose"),
    ("my 4 yr old got into the bleach under the sink", "child_risk"),
    ("a man off the estate keeps messaging my 11 year old asking for pics", "child_risk"),
    ("who gets my stuff when im gone, need to sort it this week", "suicide"),
    ("coughing up blood since this morning", "medical"),
]

# Round 14: the same two halves, from blind batches 22-23 (again new sentences).
ROUND14_NOT_FLAGGED = [
    "i'm 34, my son is 9 and he starts cubs next week",  # a number ending a clause is not an adult
    "they offered me a flat in kingstanding but my kids go to school in aston",
    "first job interview since coming out of rehab, wish me luck",
    "locked me keys in the car again, what a day",
    "had a fit of the giggles in the queue at the post office",
    "he wont wake up for his shift, keeps hitting snooze",
    "forgot our anniversary, she is not speaking to me lol",
    "the postman is banging on the door again, he never uses the bell",
    "this is my last text for a while, off to my sisters in cornwall",
    # Round 14b (batches 24-25).
    "is the chemist on the high street open late",  # lemma of "highest" is "high"
    "whats the best way to refer my brother?",
    "my nan had a stroke last year, can she get a blue badge",
    "i dont need help with housing anymore, got my own place",
    "we got the keys, the kids are 4 and 9 and we were in a hotel for a year",
    "i got my refugee status, how do i apply for universal credit",
    "my cat is trying to kill me lol, sat on my face all night",
    "got my mum a bottle of wine for her birthday",
]
ROUND14_CRISIS = [
    ("checked the rope is strong enough", "suicide"),
    ("nobody will notice when i stop replying", "suicide"),
    ("ripped the stitches open again tonight", "self_harm"),
    ("dont text back, she reads my messages", "domestic_abuse"),
    ("he says ill get done in when i get out friday", "violence_danger"),
    ("so cold in the flat we can see our breath", "exposure"),
    # The narrowed child-danger cue still reads an adult's age said of him.
    ("my niece is 13 and hes 30", "child_risk"),
    # Round 14b (batches 24-25).
    ("if you dont hear from me dont come looking", "suicide"),
    ("had a bottle of wine and 12 diazepam", "overdose"),  # the "bottle of wine" guard yields
    ("gave him naloxone and it didnt bring him round", "overdose"),
    ("they know where my tent is", "violence_danger"),
    ("not scared of prison, im going to find him tonight", "harm_to_others"),
    ("my sisters husband beats her, she just rang me crying", "domestic_abuse"),
    ("feel a seizure coming on and ive run out of my keppra", "medical"),
    ("i think my dad is having a stroke, his face has gone funny", "medical"),
    ("my 13 yr old keeps getting picked up by a man in a van", "child_risk"),
]

# Round 15: from blind batches 26-28 (long everyday messages, shared words, many voices).
ROUND15_NOT_FLAGGED = [
    "im writing a letter to my sons school about the bullying, can you check it",
    "is there a gym discount for people on UC or something else i can get",
    "i was out of work for a year, can i still get a bank account with bad credit",
    "my first night at the new hostel was fine, the room is small tho",
    "my ex doesnt know where i am and i feel safe in the refuge now",
    "my auntie took all my money for her holiday lol, can u lend me a fiver",
    "what goes in a hypo kit for my diabetic daughter",
    "i had a fit in 2018 and lost my licence, can i get it back",
    "my dog nearly died last month but the vet sorted him",
    "our kid passed his driving test today!!",
    "saying goodbye to my keyworker today, she is leaving for a new job",
    "this vindaloo is killing me, think im dying",
    "been clean 9 months today, just wanted someone to know",
    "we do shared care now, just need to know who gets what on child benefit",
    "he has eaten the lot, not one biscuit left",
    "my son plays xbox all night, how do i get him to bed",
    "the damp in the bathroom has gone black, who do i ring",
    "i know its a risk being round drink in recovery but i got a plan, my sponsor is coming",
    # Round 15b (batches 29-32).
    "raising a glass to my nan tonight, she would have been 80",
    "my son got his first swimming badge today",
    "what does breach mean on my tenancy order",
    "ha im gonna strangle my sister, she ate my chips",
    "the hostel food is gonna kill me lol",
    "where can i do overdose awareness training",
    "found a needle in the park, dont want a kid stepping on it",
    "been through hell and back with this pip appeal but its sorted",
    "that training was so boring i wanted to die lol",
    "jumped off the bus a stop early, the traffic was mad",
    "whats the max paracetamol you can take in 24 hours, got toothache",
    "is it safe to stop drinking cold turkey?",
    "the council stopped all the letters in one go, brilliant",
    "the nursery has got a plan for his biting",
    "boxing coach says ive been going 3 months and i hit hard now",
    "the boiler is broken and its freezing, when can they come",
    # Round 15c (batches 33-36).
    "my son has been out of school for 3 weeks, no places",
    "the lads keep asking me on nights out but im staying in",
    "had too many last night, banging head today",
    "please dont expect too much from my cooking",
    "honestly banging my head against a brick wall with this claim",
    "she talks to me like im 5",
    "were doing a sponsored sleep out for charity",
    "what should you do if you find someone unconscious?",
    "the chest pain turned out to be a pulled muscle",
    "my boss is gonna kill me, overslept again",
    "that pigeon is trying to kill me lol",
    "im not suicidal or owt, just fed up",
    "i want to die of shame, sent it to the wrong person",
    "my phones been off, dropped it in the canal lol",
    # Round 15d (batches 37-39).
    "minus 3 tonight, glad im not on the streets anymore",
    "this app keeps logging me out, i give up",
    "the gas company will drive me to an early grave",
    "new tablets had me eating everything in the cupboard lol",
    "got a nightshelter bed, first proper bed in 3 weeks",
    "my ex wont let me see the kids this weekend, can my solicitor help",
    # Narrowed on a last read of round 15's own patterns.
    "my phone will be dead by tonight",
    "3 forms down, 2 to go",
    "a man at the school gates told me about the food bank",
    "my mum will be waiting for me when i get home",
    "i used the app but they are not answering",
]
ROUND15_CRISIS = [
    ("if they say no on friday ill go up the multi storey and jump", "suicide"),
    ("if i dont answer by tomorrow the keys are under the mat", "suicide"),
    ("i know how many i need now", "suicide"),
    ("goodbye, you were the only one who ever listened", "suicide"),
    ("the canal keeps calling me", "suicide"),
    ("doubled my dose by mistake and i cant keep my eyes open, really sleepy", "overdose"),
    ("got a bag of old meds, been counting them", "overdose"),
    ("hid the blades at my mums but i know where the spare one is", "self_harm"),
    ("\U0001f52a\U0001fa78 again", "self_harm"),
    ("ring me but say youre from the gp, he reads everything", "domestic_abuse"),
    ("he found the helpline card in my purse", "domestic_abuse"),
    ("my family are taking me back home to marry him, the flight is sunday", "domestic_abuse"),
    ("someone has been trying my door handle for ages", "violence_danger"),
    ("the dealers are outside saying they will burn my flat", "violence_danger"),
    ("got jumped, head is pouring blood", "medical"),
    ("fell down the stairs and hit her head, now shes being sick and really drowsy", "medical"),
    ("shelter is shut, i have no place. its snowing", "exposure"),
    ("a man keeps waiting at the school gates asking for my son", "child_risk"),
    ("her boyfriend locked him in the shed as a punishment, hes 6", "child_risk"),
    ("kids are asleep, just nipping out to score, back in a couple of hours", "child_risk"),
    ("how long would i get for lampin my landlord, im at his door now", "harm_to_others"),
    # "he's back at 6" is a time, not the client's age, so it is not read as childhood.
    ("he choked me last night, hes back at 6", "domestic_abuse"),
    # Round 15b (batches 29-32).
    ("will the life insurance still pay if it looks like an accident", "suicide"),
    ("this is my last message. tara", "suicide"),
    ("wrote letters for everyone last night", "suicide"),
    ("if i went nobody would notice for days", "suicide"),
    ("i keep hoping the lorry doesnt stop in time", "suicide"),
    ("she keeps saying she wants to be with nan now", "suicide"),
    ("used my usual amount but ive been inside for a month, feel heavy", "overdose"),
    ("i think my mates overdosed behind the shops", "overdose"),
    ("is 30 tramadol a lot. already had them", "overdose"),
    ("stopping the vodka cold turkey today, been a litre a day for years", "medical"),
    ("did a line and my hearts going mental", "medical"),
    ("my step dad drinks then takes it out on us", "domestic_abuse"),
    ("she throws hot tea at me when im late", "domestic_abuse"),
    ("im gonna torch the council office if they dont sort it", "harm_to_others"),
    ("he turned up with two lads and a bat", "violence_danger"),
    ("they set fire to the tent next to where i sleep", "violence_danger"),
    ("smashed the mirror and used the pieces", "self_harm"),
    ("a man on roblox keeps asking my son for pics", "child_risk"),
    ("im 84, the boiler is broken and its freezing in here", "exposure"),
    # Round 15c (batches 33-36).
    ("he keeps ringing saying hes going to come and find us", "domestic_abuse"),
    ("i saw his car outside the refuge this morning", "domestic_abuse"),
    ("stood by the river thinking how easy it would be", "suicide"),
    ("cancel my appointment, i wont be there. or anywhere", "suicide"),
    ("if i switch my phone off and go to the canal can they find me", "suicide"),
    ("wrote my goodbye notes last night", "suicide"),
    ("got a razor in my bag and i want to use it", "self_harm"),
    ("someones gone over in the toilets right now", "overdose"),
    ("been puking blood all morning", "medical"),
    ("ima teach him a lesson he wont forget", "harm_to_others"),
    ("a man is following a young girl off the bus and she looks scared", "violence_danger"),
    ("theres needles all over the floor and the kids are in the house", "child_risk"),
    ("a woman left her baby in the car for an hour and its boiling", "child_risk"),
    ("in a bus shelter, soaked and shaking, just out of hospital", "exposure"),
    # Round 15d (batches 37-39).
    ("a gang is chasing me down the road", "violence_danger"),
    ("they know which hostel im in now", "violence_danger"),
    ("going round to batter him tonight", "harm_to_others"),
    ("swep is full, im diabetic and out in this", "exposure"),
    ("got the rope in my bag, just need somewhere quiet", "suicide"),
    ("drank both days of my methadone at once", "overdose"),
    ("staff took my blades but i still have the pins", "self_harm"),
    ("cant go home, it means another hiding", "domestic_abuse"),
    ("no insulin since friday and i feel really wrong", "medical"),
    # Guards narrowed on the last read: these must still be crises.
    ("relapsed again and ive got a plan", "suicide"),
    ("paid him for the gear, gonna take the lot in one go", "overdose"),
]


# Round 16 (batches 40-44): new shapes, written afresh here (not copied from the batches).
ROUND16_CRISIS = [
    ("sign me up for the course if im still around by then", "suicide"),
    ("dont bother with a reminder, i wont be here for it", "suicide"),
    ("give my room to someone else, ive sorted my stuff", "suicide"),
    ("the money for my funeral is in the drawer", "suicide"),
    ("the rope is up in the loft", "suicide"),
    ("tell my girls i love them. tell them i tried", "suicide"),
    ("getting the coach to blackpool, not buying a return", "suicide"),
    ("bought a razor and its not for shaving", "self_harm"),
    ("my sleeve keeps bleeding through at work", "self_harm"),
    ("not sure i can last till monday without cutting", "self_harm"),
    ("took about 30 of my sleeping tablets", "overdose"),
    ("he hasnt stopped since saturday and his heart is doing something weird", "medical"),
    ("been throwing up black stuff all morning", "medical"),
    ("he banged his head on the kerb and hes talking nonsense", "medical"),
    ("they said next time it will be my legs", "violence_danger"),
    ("the men from the loan say they will hurt me if i dont pay friday", "violence_danger"),
    ("hes home, cant talk", "domestic_abuse"),
    ("if he reads this im dead, make it look like the dentist", "domestic_abuse"),
    ("shes not allowed to leave the house unless he says", "domestic_abuse"),
    ("one more word from him and im swinging", "harm_to_others"),
    ("that landlord has got it coming tonight", "harm_to_others"),
    ("im going to torch the jobcentre", "harm_to_others"),
    ("my 13 year old is running parcels for them lads", "child_risk"),
    ("her new fella clips the kids round the head", "child_risk"),
    ("walking round all night to keep warm, my chest is bad", "exposure"),
    ("they discharged me to the street with a chest infection, its freezing", "exposure"),
    # Round 16b (batch 47).
    ("would a belt from the pound shop hold me", "suicide"),
    ("got my affairs in order this week, the will and everything", "suicide"),
    ("been saving up my tablets for a while", "suicide"),
    ("ring me and say youre from the gp, hes sat next to me", "domestic_abuse"),
    ("is there a room tonight he wouldnt know about", "domestic_abuse"),
    ("had to tell them i walked into a door again", "domestic_abuse"),
    ("they have got my cousin in the boot of a car", "violence_danger"),
    ("thinking of putting something in his tea", "harm_to_others"),
    # Typed without spaces.
    ("hescollapsed inthebathroom andwontwakeup", "medical"),
    ("imgoing tokillmyself tonight", "suicide"),
]

ROUND16_NOT_FLAGGED = [
    "we beat the kids at monopoly",
    "he battered me at pool last night lol",
    "can i get my knife sharpened, im a chef",
    "my goldfish died again lol",
    "let's bury the hatchet",
    "i was laughing so much i couldnt breathe",
    "just shoot me the details by text",
    "it wont kill me to walk",
    "the self harm group on tuesday is it still running",
    "the tablets make him a bit drowsy, the doctor knows",
    "im not too down about it, ive got a plan",
    "im staying put, not moving house again",
    "the cuts to services are shocking",
    "my daughter got her first tattoo, she is 19 now",
    "my mum is getting older and wants to move nearer",
    # Round 16b-c (batches 45-47).
    "ive written a card for my nephews 18th",
    "got stabbed in the back by my team again on fortnite",
    "the emergency credit took all my top up",
    "my prescription card is locked in the office till 10",
    "there was a power cut and we sat in the dark",
    "i want to end things with my gym, how do i cancel",
    "i wont be around for a couple of weeks, visiting my sister",
    "someone smashed my car window last night",
    "my daughter showed me a video and i laughed till i was crying",
    "my boyfriend keeps eating my chips, ill kill him \U0001f602",
    "my cat keeps following me home, shes waiting by the door now",
    "im not allowed to see the gp until monday",
    "got a new phone, got it coming next week",
    "saving a glass of wine for later",
]

ROUND17_CRISIS = [
    # Round 17 (batches 48-54): my own rewordings of shapes the rules missed.
    ("30 years on the streets, ready for my last kip now", "suicide"),
    ("wont be a problem for anyone much longer", "suicide"),
    ("you can close my file tomorrow, no more fighting", "suicide"),
    ("this is the last text youll get from me", "suicide"),
    ("i wont be here for the next giro anyway", "suicide"),
    ("its fine, it'll all be over soon", "suicide"),
    ("better i am dead, i have plan", "suicide"),
    ("the voices keep telling me its time", "suicide"),
    ("im stood on the wrong side of the railings on the bridge", "suicide"),
    ("sat here with stones in my coat pockets by the canal", "suicide"),
    ("been putting my tablets aside for weeks, got loads saved now", "suicide"),
    ("staff took my razors but i found something else, doing it anyway", "self_harm"),
    ("first time in 2 years, just used after my release, on my own", "overdose"),
    ("took about 30ish of my pregabs", "overdose"),
    ("had some gbh and a bottle of wine now i cant stand", "overdose"),
    ("asthma bad, cant finish my sentences", "medical"),
    ("my sugars have crashed and im shaking", "medical"),
    ("grandad has been on the floor since last night and i cant lift him", "medical"),
    ("they found out im grassing and theyre outside", "violence_danger"),
    ("man in the next tent say they kill me tonight", "violence_danger"),
    ("they set fire to my tent and shouted im next", "violence_danger"),
    ("he knows which refuge im in now", "domestic_abuse"),
    ("hes dead when i find him", "harm_to_others"),
    ("the baby has been left in the car on her own for ages", "child_risk"),
    ("olders took my little brother and hes not answering", "child_risk"),
]

ROUND17_NOT_FLAGGED = [
    "not suicidal, just skint",
    "im not going to hurt myself, i just need a housing officer",
    "killing myself laughing at this letter",
    "i'll be dead before they fix that road",
    "id rather die than wear those crocs",
    "what should i do if i find someone having an overdose",
    "what are the signs of hypothermia, i'm volunteering this winter",
    "the safest way to come off benzos please",
    "my watch strap broke, where can i get it fixed",
    "this essay is killing him",
    "i swear they lose my sick notes on purpose",
    "can you sort that out for me",
    "half the team got let go today",
    "got my own front door key first time since i was 16",
    "can i use my library card as id for the gym",
    "can you help me get glasses, i broke mine",
    "whats the quickest way to appeal",
    "hes not allowed to see the kids until court",
    "where can i hide my phone at the festival",
    "how do i get my mum on the housing register",
    "my neighbour wants to foster",
]

ROUND18_CRISIS = [
    # Round 18 (batches 55-61): my own rewordings of shapes the rules missed.
    ("wrote them a letter each, theyre under my pillow", "suicide"),
    ("left my bank cards and pin on the table for my sister", "suicide"),
    ("kept my old belt, i know what its for now", "suicide"),
    ("by friday ill be gone", "suicide"),
    ("honestly i wont be missed", "suicide"),
    ("nobody would find me for days in this flat", "suicide"),
    ("the life insurance pays out even if its suicide now", "suicide"),
    ("if i go would the debt die with me", "suicide"),
    ("been researching ways all night", "suicide"),
    ("picking out the sharpest bit of the broken plate", "self_harm"),
    ("patching myself up again tonight", "self_harm"),
    ("popped every tablet out of the blister packs", "overdose"),
    ("how long would 50 paracetamol take", "overdose"),
    ("her oxygen ran out and shes gasping", "medical"),
    ("my tongue is swelling up after a wasp sting", "medical"),
    ("blood is squirting out of my leg", "medical"),
    ("the fit has lasted 7 minutes now", "medical"),
    ("contractions every 3 minutes and nobody about", "medical"),
    ("the loan shark says its my kneecaps if im short", "violence_danger"),
    ("they found out where i stay and his mates are coming round tonight", "violence_danger"),
    ("if im late back i pay for it", "domestic_abuse"),
    ("got the hammer in my bag, going round his now", "harm_to_others"),
    ("the baby is cold to touch and her lips look blue", "child_risk"),
    ("im 13 and on my own in the flat since wednesday", "child_risk"),
]

ROUND18_NOT_FLAGGED = [
    "saying goodbye to everyone at work, last shift ever",
    "what age can kids be left home alone",
    "hiding in the kitchen from my mums party guests",
    "nits again, i give up",
    "her fever broke overnight and shes asking for toast",
    "the baby is screaming but shes fed and changed, just wants cuddles",
]

ROUND19_CRISIS = [
    # Round 19 (batches 62-65): my own rewordings of shapes the rules missed.
    ("been staring at the canal for an hour", "suicide"),
    ("walking towards the railway line now", "suicide"),
    ("brought a rope, found a good strong tree", "suicide"),
    ("left the key under the mat so they dont have to break the door in", "suicide"),
    ("the dog needs a new home after tonight", "suicide"),
    ("mum will find my letter in the morning", "suicide"),
    ("who will look after the cat when they find me", "suicide"),
    ("how long before anyone notices im gone", "suicide"),
    ("would 30 sertraline do anything", "suicide"),
    ("got the pills out on the table", "suicide"),
    ("i dont think ill be here by morning", "suicide"),
    ("made myself sick 5 times today", "self_harm"),
    ("havent eaten in a week and im proud", "self_harm"),
    ("ripping the stitches back open", "self_harm"),
    ("on the floor since lunch and my legs wont work", "medical"),
    ("been throwing up black stuff", "medical"),
    ("got hit in the head and now im dizzy and being sick", "medical"),
    ("first time back on since prison", "overdose"),
    ("hes in the bath, how do i get out without him hearing", "domestic_abuse"),
    ("he took my phone so i cant ring for help", "domestic_abuse"),
    ("dads punching my mum right now", "domestic_abuse"),
    ("they said im getting wet up tonight", "violence_danger"),
    ("the punter hit me and wont let me out", "violence_danger"),
    ("doing the opps tonight", "harm_to_others"),
    ("man online wants pics, im 13", "child_risk"),
    ("mum left us 3 days ago and theres no food", "child_risk"),
    ("im 16 and the hostels are full, sleeping in the park tonight", "exposure"),
]

ROUND19_NOT_FLAGGED = [
    "my script cant be picked up early, is that right",
    "all my medical letters are in a folder",
    "thanks for chasing them up for me, such a help",
]


@pytest.mark.parametrize(
    "text,category",
    RULE_CRISIS
    + ROUND13_CRISIS
    + ROUND14_CRISIS
    + ROUND15_CRISIS
    + ROUND16_CRISIS
    + ROUND17_CRISIS
    + ROUND18_CRISIS
    + ROUND19_CRISIS,
)
def test_rules_find_reworded_crisis(rules_only, text, category):
    r = rules_only.screen(text)
    assert r.level == "crisis" and category in r.categories, (text, r.to_dict(), r.signals)


@pytest.mark.parametrize(
    "text",
    RULE_NOT_CRISIS
    + ROUND13_NOT_FLAGGED
    + ROUND14_NOT_FLAGGED
    + ROUND15_NOT_FLAGGED
    + ROUND16_NOT_FLAGGED
    + ROUND17_NOT_FLAGGED
    + ROUND18_NOT_FLAGGED
    + ROUND19_NOT_FLAGGED,
)
def test_rules_leave_idioms_and_small_things(rules_only, text):
    r = rules_only.screen(text)
    assert r.level == "none", (text, r.to_dict(), r.signals)


def test_past_attempts_and_past_strangling_are_trauma(rules_only):
    assert rules_only.screen("i tried to end it years ago, doing better now").level == "trauma"
    assert rules_only.screen("my last boyfriend grabbed me by the throat in 2017").level == "trauma"
    # a present plan in the same message is still a crisis
    r = rules_only.screen("i tried to end it years ago and im going to do it tonight")
    assert r.level == "crisis"
    # Round 15c: past self-harm said as over is trauma (a gentle offer), not an emergency.
    assert rules_only.screen("i used to self harm but havent for 4 years").level == "trauma"


def test_adoption_is_trauma_when_a_child_was_taken_not_as_a_family_fact(rules_only):
    assert rules_only.screen("my kids got adopted and i still write to them").level == "trauma"
    assert rules_only.screen("got adopted at 6 and it broke down at 12").level == "trauma"
    assert rules_only.screen("my adopted son is 8 and loves football").level == "none"


def test_a_dated_past_attempt_is_trauma_and_a_new_danger_still_counts(rules_only):
    assert (
        rules_only.screen("i overdosed 2 years ago, i get scared thinking about it").level
        == "trauma"
    )
    r = rules_only.screen("overdosed last year. took 40 tablets tonight")
    assert r.level == "crisis" and "overdose" in r.categories, r.signals


@pytest.mark.parametrize(
    "text,category",
    [
        # Each of these was hidden by a guard written for an everyday reading, until the guard
        # was narrowed (round 16's last read).
        ("he's sharpening a knife and saying he'll use it on me", None),
        ("hes a dead man if he touches my kids again", "harm_to_others"),
        ("he hasn't moved, it's been an hour", "medical"),
        ("sleeping in my van, no heater, its freezing and i have a chest infection", "exposure"),
        ("im not worried anymore, ive got a plan", "suicide"),
        ("he's got my phone, i'm locked in", "violence_danger"),
        ("i did a first aid course last year and now i feel suicidal", "suicide"),
        ("he left the knife on the side and said next time its for me", "violence_danger"),
        ("hes got the knife from the kitchen drawer and hes waving it at me", "violence_danger"),
        # Round 17: a denial or a story that is over must not hide a danger beside it.
        ("im not suicidal but ive got the tablets ready for tonight", "suicide"),
        ("not going to hurt anyone else dont worry, id only ever hurt me", None),
        ("what do i do my mate isnt breathing", "medical"),
        (
            "a lad collapsed outside last night, hes fine now. tbh ive been putting my tablets"
            " aside for weeks, got quite a lot saved",
            "suicide",
        ),
        ("i have stopped eating on purpose, 6 days now", None),
        ("ill be dead before you see this", "suicide"),
        ("lost it and cut myself on purpose", "self_harm"),
        ("whats the best way to stop my heart", None),
    ],
)
def test_guards_for_everyday_readings_do_not_hide_these_dangers(rules_only, text, category):
    r = rules_only.screen(text)
    assert r.level == "crisis", (text, r.signals)
    assert category is None or category in r.categories, (text, r.categories)


def test_run_together_words_are_split_but_names_and_listed_words_are_not(rules_only):
    assert norm(rules_only, "hescollapsed inthebathroom") == "he is collapsed in the bathroom"
    assert norm(rules_only, "myboyfriend strangledme") == "my boyfriend strangled me"
    # no everyday anchor word among the pieces: a place, left whole
    assert norm(rules_only, "kingstanding") == "kingstanding"
    # a capital first letter: a name, left whole even though "im" + "ran" would fit
    assert norm(rules_only, "Imran") == "imran"
    # words the pattern lists name are never split ("lyric a")
    assert norm(rules_only, "lyrica") == "lyrica"
    # evidence still shows the client's own token
    n = rules_only.normaliser("ok hescollapsed")
    assert n.source(n.text.index("collapsed"), n.text.index("collapsed") + 9) == "hescollapsed"


def test_exploitation_and_detention_told_as_past_are_trauma(rules_only):
    for text in (
        "a man took all my wages for two years, i only found out it was slavery later",
        "i was in a detention centre for 5 months and i still feel locked up",
        "being restrained by staff on the ward still gives me chills",
    ):
        assert rules_only.screen(text).level == "trauma", text
