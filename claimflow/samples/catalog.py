"""Static data the generator draws from: names, places, codes and prices.

All people, providers and identifiers are fictional. ICD-10-CM descriptions are not stored here: they are read from
``simple_icd_10_cm`` so the truth carries the official text (a test checks that every code below is a valid leaf).
Prices are rough US list prices in USD; other currencies scale them.
"""

from __future__ import annotations

FIRST_NAMES = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph "
    "Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Margaret Mark Sandra "
    "Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa "
    "George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura Jeffrey Cynthia Ryan Kathleen Jacob "
    "Amy Gary Angela Nicholas Shirley Eric Anna Jonathan Brenda Stephen Pamela Larry Emma Justin Nicole Scott Helen "
    "Brandon Samantha Benjamin Katherine Samuel Christine Gregory Debra Alexander Rachel Frank Carolyn Patrick Janet "
    "Raymond Catherine Jack Maria Dennis Heather Jerry Diane Tyler Ruth Aaron Julie Jose Olivia Adam Joyce Nathan "
    "Virginia Henry Victoria Douglas Kelly Zachary Lauren Peter Christina Kyle Joan Noah Evelyn Ethan Judith Jeremy "
    "Megan Walter Andrea Christian Cheryl Keith Hannah Roger Jacqueline Terry Martha Austin Gloria Sean Teresa "
    "Gerald Ann Carl Sara Harold Madison Dylan Frances Arthur Kathryn Lawrence Janice Jordan Jean Jesse Abigail "
    "Bryan Alice Billy Judy Bruce Sophia Gabriel Grace Joe Denise Logan Amber Alan Doris Juan Marilyn Albert Danielle "
    "Willie Beverly Elijah Isabella Wayne Theresa Randy Diana Vincent Natalie Mason Brittany Roy Charlotte Ralph "
    "Marie Bobby Kayla Russell Alexis Bradley Lori Priya Wei Mei Hiroshi Aiko Olusegun Chiamaka Mateo Lucia Omar "
    "Fatima Sven Ingrid Dmitri Anya Kwame Ama Arjun Ananya Thanh Linh Rafael Beatriz"
).split()

LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
    "Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera "
    "Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
    "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim "
    "Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
    "Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler "
    "Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds "
    "Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford "
    "Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman "
    "Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon "
    "Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice "
    "Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kowalski O'Brien "
    "Okafor Nakamura Yamamoto Lindqvist Novak Haddad Mensah Iyer Sharma Pham Oliveira Fitzgerald MacLeod"
).split()

MIDDLE_INITIALS = "ABCDEFGHJKLMNPRSTW"

STREETS = (
    "Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Elm St", "Washington Blvd", "Lake Rd", "Hillside Ave", "Park Pl",
    "River Rd", "Sunset Blvd", "Pine St", "Highland Ave", "Meadow Ln", "Church St", "Market St", "Forest Dr",
    "Spring St", "Lincoln Ave", "Franklin St", "Jefferson Way", "Willow Ct", "Birch Rd", "Chestnut St", "Grove Ave",
    "Harbor Dr", "Valley View Rd", "Mill St", "College Ave", "Broadway",
)

CITIES = (
    ("Springfield", "IL", "627"), ("Riverside", "CA", "925"), ("Franklin", "TN", "370"), ("Greenville", "SC", "296"),
    ("Madison", "WI", "537"), ("Salem", "OR", "973"), ("Clinton", "IA", "527"), ("Georgetown", "TX", "786"),
    ("Fairview", "PA", "165"), ("Ashland", "OH", "448"), ("Burlington", "VT", "054"), ("Dover", "DE", "199"),
    ("Kingston", "NY", "124"), ("Arlington", "VA", "222"), ("Marion", "IN", "469"), ("Oxford", "MS", "386"),
    ("Lexington", "KY", "405"), ("Milton", "MA", "021"), ("Auburn", "AL", "368"), ("Bristol", "CT", "060"),
    ("Portland", "ME", "041"), ("Columbia", "MO", "652"), ("Jackson", "WY", "830"), ("Boulder", "CO", "803"),
)

# Provider name parts per layout.
CLINIC_NAMES = (
    "{town} Family Medicine", "{town} Primary Care Associates", "Northside Medical Group", "Lakeview Internal Medicine",
    "{last} & {last2} Family Practice", "Summit Urgent Care", "Green Valley Health Clinic", "{town} Pediatrics",
    "CityCare Walk-In Clinic", "Oak Ridge Medical Associates", "Dr. {first} {last}, MD", "Harbor Point Physicians",
    "{town} Orthopedic & Sports Medicine", "Bright Path Behavioral Health", "Pinecrest Family Health Center",
)
HOSPITAL_NAMES = (
    "{town} Regional Medical Center", "St. {saint} Hospital", "{town} General Hospital", "Mercy Valley Health System",
    "University Hospital of {town}", "Good Shepherd Medical Center", "{town} Memorial Hospital",
    "Riverbend Community Hospital", "Sacred Heart Medical Center", "Northwest {town} Hospital",
)
PHARMACY_NAMES = (
    "CareWell Pharmacy #{num}", "{town} Drug & Apothecary", "HealthMart Pharmacy", "QuickRx Pharmacy #{num}",
    "Main Street Chemist", "Family Pharmacy of {town}", "MedExpress Drugs #{num}", "Corner Apothecary",
)
LAB_NAMES = (
    "{town} Diagnostic Laboratories", "Precision Pathology Services", "ClearView Imaging Center",
    "Accurate Clinical Labs", "{town} Radiology Associates", "BioTrace Reference Laboratory",
    "Summit Diagnostic Imaging", "National Lab Partners - {town}",
)
DENTAL_NAMES = (
    "{town} Family Dentistry", "Bright Smile Dental Care", "{last} Dental Group", "Gentle Touch Dentistry",
    "Dr. {first} {last}, DDS", "Parkside Dental Studio",
)
VISION_NAMES = (
    "{town} Eye Care", "ClearSight Optometry", "Vision Plus Optical", "Dr. {first} {last}, OD",
    "Focal Point Eye Center",
)
SAINTS = ("Mary's", "Luke's", "Joseph's", "Francis", "Anne's", "Vincent's", "Elizabeth's", "Jude")

# ICD-10-CM codes per setting (leaf codes; descriptions come from simple_icd_10_cm).
ICD_CLINIC = (
    "J06.9", "J02.9", "J02.0", "J20.9", "J01.90", "I10", "E11.9", "E78.5", "M54.50", "M25.561", "S93.401A", "R51.9",
    "R10.9", "K21.9", "N39.0", "H10.9", "L30.9", "F41.1", "Z00.00", "Z23", "R05.9", "B34.9", "E55.9", "R07.9",
    "J45.909", "G43.909", "H66.90", "J30.9", "E66.9", "R50.9",
)
ICD_HOSPITAL = (
    "K35.80", "S52.501A", "A09", "I48.91", "R07.9", "K80.20", "S72.001A", "I50.9", "N17.9", "E86.0", "R11.2",
    "L03.115", "M17.11", "K52.9", "J45.909", "I10", "E11.9", "Z79.4",
)
ICD_LAB = ("Z13.220", "Z13.1", "R73.03", "E03.9", "D50.9", "D64.9", "E55.9", "E78.5", "E11.9", "N39.0", "Z00.00")
ICD_PHARMACY = ("I10", "E11.9", "E78.5", "J45.909", "J02.0", "N39.0", "K21.9", "F41.1", "J01.90", "H66.90")
ICD_DENTAL = ("K02.9", "K05.10", "Z01.20", "K02.52")
ICD_VISION = ("H52.13", "H52.4", "H52.223", "Z01.00", "H10.9")

#: Conditions a note can rule out: code → the phrase a clinician writes (a prefix of the official description).
NEGATABLE = {
    "J18.9": "pneumonia",
    "S62.101A": "fracture of the right wrist",
    "I21.9": "acute myocardial infarction",
    "U07.1": "COVID-19",
    "A41.9": "sepsis",
    "N20.0": "calculus of kidney",
    "J02.0": "streptococcal pharyngitis",
    "K35.80": "acute appendicitis",
}
NEGATION_TEMPLATES = (
    "Ruled out {term}.", "No evidence of {term}.", "{Term} ruled out.", "R/O {term} - negative.",
    "Patient denies symptoms of {term}.", "Negative for {term}.", "{Term} was excluded.",
)

# (code, description, low price, high price, typical quantity range)
CPT_CLINIC = (
    ("99213", "Office visit, established patient, low complexity", 110, 190, (1, 1)),
    ("99214", "Office visit, established patient, moderate complexity", 160, 260, (1, 1)),
    ("99203", "Office visit, new patient, low complexity", 150, 240, (1, 1)),
    ("99204", "Office visit, new patient, moderate complexity", 230, 360, (1, 1)),
    ("99395", "Preventive visit, established patient, 18-39 years", 180, 290, (1, 1)),
    ("87880", "Rapid strep test (antigen detection)", 25, 60, (1, 1)),
    ("81002", "Urinalysis, non-automated, without microscopy", 12, 30, (1, 1)),
    ("36415", "Routine venipuncture", 10, 28, (1, 1)),
    ("90471", "Immunization administration, first vaccine", 20, 45, (1, 1)),
    ("90686", "Influenza vaccine, quadrivalent, preservative free", 25, 55, (1, 1)),
    ("93000", "Electrocardiogram, complete", 45, 110, (1, 1)),
    ("J1885", "Injection, ketorolac tromethamine, per 15 mg", 8, 25, (1, 4)),
    ("20610", "Arthrocentesis, major joint", 140, 260, (1, 1)),
    ("97110", "Therapeutic exercise, each 15 minutes", 35, 75, (1, 4)),
    ("94640", "Nebulizer treatment", 30, 70, (1, 2)),
    ("11042", "Debridement, subcutaneous tissue, first 20 sq cm", 150, 320, (1, 1)),
    ("99401", "Preventive counseling, approx. 15 minutes", 40, 90, (1, 2)),
    ("G0439", "Annual wellness visit, subsequent", 150, 230, (1, 1)),
)
CPT_HOSPITAL = (
    ("99284", "Emergency department visit, high severity", 650, 1400, (1, 1)),
    ("99285", "Emergency department visit, highest severity", 900, 2100, (1, 1)),
    ("99222", "Initial hospital care, moderate complexity", 300, 520, (1, 1)),
    ("99232", "Subsequent hospital care, per day", 150, 260, (1, 3)),
    ("99238", "Hospital discharge day management", 140, 240, (1, 1)),
    ("0110", "Room and board, private, per day", 1800, 3200, (1, 4)),
    ("0120", "Room and board, semi-private, per day", 1400, 2600, (1, 4)),
    ("71046", "Chest X-ray, 2 views", 180, 420, (1, 1)),
    ("74177", "CT abdomen and pelvis with contrast", 1800, 4200, (1, 1)),
    ("70450", "CT head without contrast", 1200, 2900, (1, 1)),
    ("73610", "X-ray ankle, complete, 3 views", 160, 380, (1, 1)),
    ("85025", "Complete blood count with differential", 35, 95, (1, 2)),
    ("80053", "Comprehensive metabolic panel", 60, 160, (1, 2)),
    ("84484", "Troponin, quantitative", 70, 180, (1, 3)),
    ("96374", "IV push, single drug, initial", 180, 420, (1, 1)),
    ("96361", "IV hydration, each additional hour", 90, 210, (1, 3)),
    ("J2405", "Injection, ondansetron, per 1 mg", 6, 20, (2, 8)),
    ("J0696", "Injection, ceftriaxone sodium, per 250 mg", 12, 40, (1, 4)),
    ("0250", "Pharmacy, general", 45, 380, (1, 6)),
    ("0270", "Medical/surgical supplies", 30, 450, (1, 5)),
    ("44970", "Laparoscopic appendectomy", 7500, 14500, (1, 1)),
    ("00840", "Anesthesia, intraperitoneal procedures, lower abdomen", 1200, 2800, (1, 1)),
    ("25605", "Closed treatment of distal radial fracture with manipulation", 1100, 2400, (1, 1)),
    ("29125", "Application of short arm splint", 120, 280, (1, 1)),
)
CPT_LAB = (
    ("85025", "Complete blood count (CBC) with differential", 25, 80, (1, 1)),
    ("80053", "Comprehensive metabolic panel", 40, 130, (1, 1)),
    ("80061", "Lipid panel", 35, 110, (1, 1)),
    ("83036", "Hemoglobin A1c", 30, 85, (1, 1)),
    ("84443", "Thyroid stimulating hormone (TSH)", 40, 120, (1, 1)),
    ("82306", "Vitamin D, 25-hydroxy", 55, 160, (1, 1)),
    ("81001", "Urinalysis, automated, with microscopy", 10, 35, (1, 1)),
    ("87086", "Urine culture, colony count", 25, 70, (1, 1)),
    ("36415", "Venipuncture, routine collection", 8, 25, (1, 1)),
    ("83540", "Iron, serum", 20, 60, (1, 1)),
    ("82728", "Ferritin", 25, 75, (1, 1)),
    ("71046", "Chest X-ray, 2 views", 120, 320, (1, 1)),
    ("76700", "Ultrasound, abdomen, complete", 280, 650, (1, 1)),
    ("72148", "MRI lumbar spine without contrast", 900, 2400, (1, 1)),
    ("77067", "Screening mammography, bilateral", 180, 420, (1, 1)),
    ("93306", "Echocardiogram, complete, with Doppler", 800, 1900, (1, 1)),
)
CDT_DENTAL = (
    ("D0120", "Periodic oral evaluation", 45, 90, (1, 1)),
    ("D0150", "Comprehensive oral evaluation, new patient", 70, 140, (1, 1)),
    ("D0274", "Bitewings, four radiographic images", 55, 110, (1, 1)),
    ("D0330", "Panoramic radiographic image", 95, 180, (1, 1)),
    ("D1110", "Prophylaxis, adult", 85, 160, (1, 1)),
    ("D1208", "Topical application of fluoride", 25, 55, (1, 1)),
    ("D2391", "Resin-based composite, one surface, posterior", 140, 260, (1, 3)),
    ("D2392", "Resin-based composite, two surfaces, posterior", 180, 320, (1, 2)),
    ("D2740", "Crown, porcelain/ceramic", 950, 1650, (1, 1)),
    ("D4341", "Periodontal scaling and root planing, per quadrant", 190, 320, (1, 4)),
    ("D7140", "Extraction, erupted tooth", 130, 260, (1, 2)),
)
VISION_ITEMS = (
    ("92014", "Comprehensive eye exam, established patient", 110, 220, (1, 1)),
    ("92004", "Comprehensive eye exam, new patient", 150, 260, (1, 1)),
    ("92015", "Refraction", 35, 75, (1, 1)),
    ("92310", "Contact lens fitting", 60, 150, (1, 1)),
    ("V2020", "Frames, purchases", 90, 280, (1, 1)),
    ("V2100", "Spectacle lens, single vision, per lens", 45, 120, (2, 2)),
    ("V2200", "Spectacle lens, bifocal, per lens", 80, 170, (2, 2)),
    ("V2750", "Anti-reflective coating, per lens", 25, 70, (2, 2)),
    ("V2520", "Contact lens, hydrophilic, spherical, per lens", 20, 60, (2, 8)),
)
#: Pharmacy: (drug, strength/form, low, high, quantity choices). NDCs are generated (5-4-2) per document.
DRUGS = (
    ("Amoxicillin", "500 mg capsule", 9, 28, (21, 30)),
    ("Lisinopril", "10 mg tablet", 6, 22, (30, 90)),
    ("Atorvastatin", "20 mg tablet", 10, 45, (30, 90)),
    ("Metformin HCl", "500 mg tablet", 7, 25, (60, 180)),
    ("Albuterol HFA", "90 mcg inhaler", 28, 72, (1, 2)),
    ("Omeprazole", "20 mg DR capsule", 12, 38, (30, 90)),
    ("Azithromycin", "250 mg tablet", 11, 34, (6, 6)),
    ("Sertraline", "50 mg tablet", 9, 30, (30, 90)),
    ("Amlodipine", "5 mg tablet", 6, 20, (30, 90)),
    ("Levothyroxine", "50 mcg tablet", 9, 32, (30, 90)),
    ("Fluticasone", "50 mcg nasal spray", 14, 42, (1, 2)),
    ("Cefdinir", "300 mg capsule", 18, 55, (20, 20)),
    ("Insulin glargine", "100 units/mL pen", 95, 340, (1, 5)),
    ("Prednisone", "10 mg tablet", 5, 16, (10, 21)),
    ("Nitrofurantoin", "100 mg capsule", 14, 40, (10, 14)),
)
OTC_ITEMS = (
    ("Acetaminophen 500 mg, 100 ct", 6, 14), ("Ibuprofen 200 mg, 50 ct", 5, 11), ("Saline nasal spray", 4, 9),
    ("Digital thermometer", 9, 19), ("Adhesive bandages, 30 ct", 3, 8), ("Cough drops, 30 ct", 3, 7),
    ("Vitamin D3 1000 IU, 90 ct", 7, 16), ("Hand sanitizer 8 oz", 3, 7),
)

# Labels per field: the variety printed on real bills.
LABELS = {
    "member_id": ("Member ID", "Member ID:", "Member #", "Subscriber ID", "Policy No.", "ID #", "Insured ID",
                  "Mbr ID", "Insurance ID", "Policy Number"),
    "patient": ("Patient", "Patient Name", "Patient:", "Name", "Guarantor/Patient", "Bill To"),
    "dob": ("DOB", "Date of Birth", "Birth Date", "D.O.B."),
    "invoice": ("Invoice #", "Invoice No.", "Account No.", "Statement #", "Receipt No.", "Acct #", "Account Number",
                "Reference"),
    "npi": ("NPI", "NPI #", "NPI:", "Provider NPI", "Billing NPI"),
    "tax_id": ("Tax ID", "TIN", "Fed Tax ID", "EIN"),
    "service_date": ("Date of Service", "Service Date", "DOS", "Visit Date", "Date(s) of Service"),
    "statement_date": ("Statement Date", "Printed", "Billing Date", "Invoice Date"),
    "due_date": ("Due Date", "Please Pay By", "Payment Due"),
    "total": ("Total Charges", "Total", "Total Amount", "Amount Billed", "Total Billed", "TOTAL CHARGES",
              "Charges Total"),
    "subtotal": ("Subtotal", "Sub-total", "Sub Total"),
    "tax": ("Tax", "Sales Tax", "VAT"),
    "adjustment": ("Insurance Adjustment", "Contractual Adjustment", "Discount", "Plan Discount", "Adjustments"),
    "payment": ("Payments Received", "Paid by Patient", "Payment - Thank You", "Insurance Paid", "Less Payments"),
    "previous": ("Previous Balance", "Prior Balance", "Balance Forward"),
    "balance": ("Balance Due", "Amount Due", "Please Pay", "PATIENT BALANCE", "Pay This Amount", "Balance"),
    "diagnosis": ("Diagnosis", "Diagnoses", "Dx", "ICD-10", "Diagnosis Codes", "Assessment"),
}
